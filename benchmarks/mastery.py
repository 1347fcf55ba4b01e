"""Mastery at scale: a learner's competency map, a 30-learner cohort heatmap and CSV exports.

    .venv/bin/python benchmarks/mastery.py [--learners 10000] [--competencies 150]
        [--evidence 1000000] [--runs 40] [--database sqlite|postgresql|both]
        [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Generates the dataset of issue 12 (10,000 apprentices in organizations of 30, 150
competencies in 10 domains, 1,000,000 evidence records over a year, 85 % of them assessed)
in a fresh SQLite file and/or a fresh PostgreSQL database (created next to --pg-url's and
dropped afterwards), with the real migrations. Then it times, as the pages do (a fresh
session each time):

- map: one apprentice's whole-framework map (``competency_maps.learner_map``);
- heatmap: an instructor's 30-learner cohort heatmap (``competency_maps.heatmap``);
- cohort CSV: that heatmap as CSV; full CSV: every apprentice × every competency.

Baseline, in the same run on the same data: the map without the evidence index this work
added (ix_competency_evidence_learner), and the heatmap and CSVs computed from the raw
evidence instead of the kept ``mastery_states`` summary. Targets: map and heatmap p50
≤ 150 ms on both databases.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.domain import mastery as rules_of  # noqa: E402
from app.domain.roles import OrgKind, Role  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Competency,
    CompetencyEvidence,
    Course,
    Framework,
    Lesson,
    MasteryState,
    Module,
    Organization,
    User,
)
from app.services import competency_maps, mastery  # noqa: E402
from benchmarks.databases import each_database  # noqa: E402

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
T0 = datetime(2026, 1, 5, tzinfo=UTC)
RULES = {
    "default": {
        "method": "decaying_average",
        "weight": 0.65,
        "levels": [[1, 0.4], [2, 0.6], [3, 0.8]],
        "mastery": 3,
        "requires": [[4, [{"source": "observation", "min_level": 4}]]],
    },
    "domains": {"B.D2": {"method": "most_recent"}},
    "competencies": {
        "B.D1.1": {"requires": [[3, [{"source": "lab", "every": True, "min_score": 0.8}]]]},
        "B.D3.1": {"method": "n_of_m", "n": 2, "m": 3},
    },
}


def build(app, args, rnd: random.Random) -> dict:
    """Write the dataset; return the ids the timings need."""
    now = T0 + timedelta(days=365)
    framework = Framework(
        slug="bench",
        uuid=str(uuid.uuid4()),
        title="Benchmark framework",
        version="1",
        levels=[{"level": n, "title": f"L{n}", "description": ""} for n in (1, 2, 3, 4)],
        mastery=RULES,
    )
    db.session.add(framework)
    db.session.flush()
    domains = 10
    per_domain = max(1, args.competencies // domains)
    codes = []
    for d in range(1, domains + 1):
        db.session.add(_competency(framework, f"B.D{d}", "domain", None, d))
        for c in range(1, per_domain + 1):
            codes.append(f"B.D{d}.{c}")
            db.session.add(_competency(framework, codes[-1], "competency", f"B.D{d}", c))
    course = Course(slug="bench-course", title="Bench", framework_id=framework.id, published=True)
    db.session.add(course)
    db.session.flush()
    module = Module(course_id=course.id, slug="bench-m1", title="M1")
    db.session.add(module)
    db.session.flush()
    for n, code in enumerate(codes[::10]):  # 15 lessons, each offering a lab on its code
        lab = {"id": f"lab-bench-{n}", "title": f"Lab {n}", "objectives": [], "planned": False}
        db.session.add(
            Lesson(
                course_id=course.id,
                module_id=module.id,
                slug=f"bench-l{n}",
                title=f"L{n}",
                path=f"l{n}.md",
                competencies=[code],
                labs=[lab],
                source="",
                content_hash="x",
                position=n,
            )  # fmt: skip
        )
    db.session.commit()
    ids = dict(db.session.execute(select(Competency.code, Competency.id)).all())
    learner_ids, viewers = _people(args.learners, now)
    _evidence(learner_ids, [ids[c] for c in codes], args.evidence, rnd)
    _states(app, framework.id, learner_ids, now)
    return {"learners": learner_ids, "viewers": viewers}


def _competency(framework, code, kind, parent, position) -> Competency:
    return Competency(framework_id=framework.id, uuid=str(uuid.uuid4()), code=code,
                      title=f"Competency {code}", kind=kind, parent_code=parent,
                      position=position)  # fmt: skip


def _people(count: int, now: datetime) -> tuple[list[int], list[int]]:
    orgs = (count + 29) // 30
    db.session.execute(
        insert(Organization),
        [
            {
                "slug": f"org-{n}",
                "name": f"Org {n}",
                "kind": OrgKind.TRAINING_PARTNER,
                "created_at": now,
            }
            for n in range(orgs)
        ],  # fmt: skip
    )
    org_ids = list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
    rows = [
        {
            "email": f"a{n}@bench.example",
            "name": f"Apprentice {n:05d}",
            "password_hash": "x",
            "role": Role.APPRENTICE,
            "organization_id": org_ids[n // 30],
            "created_at": now,
            "password_changed_at": now,
        }  # fmt: skip
        for n in range(count)
    ]
    rows += [
        {
            "email": f"i{n}@bench.example",
            "name": f"Instructor {n}",
            "password_hash": "x",
            "role": Role.INSTRUCTOR,
            "organization_id": org_id,
            "created_at": now,
            "password_changed_at": now,
        }  # fmt: skip
        for n, org_id in enumerate(org_ids)
    ]
    rows.append({"email": "admin@bench.example", "name": "Admin", "password_hash": "x",
                 "role": Role.PLATFORM_ADMIN, "organization_id": None, "created_at": now,
                 "password_changed_at": now})  # fmt: skip
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start : start + 5000])
    db.session.commit()
    learners = list(db.session.scalars(select(User.id).where(User.role == Role.APPRENTICE)))
    viewers = list(db.session.scalars(select(User.id).where(User.role == Role.INSTRUCTOR)))
    return learners, viewers


def _evidence(learners: list[int], competencies: list[int], total: int, rnd) -> None:
    """*total* pieces, spread evenly over learners, each on a third of the competencies."""
    per = max(1, total // len(learners))
    batch = []
    for learner in learners:
        mine = rnd.sample(competencies, k=max(1, len(competencies) // 3))
        for _ in range(per):
            kind = rnd.choice(("lab", "quiz"))
            batch.append(
                {
                    "user_id": learner,
                    "competency_id": rnd.choice(mine),
                    "source_kind": kind,
                    "source_ref": f"{kind}-{rnd.randrange(40)}#attempt-1",
                    "purpose": "assessment" if rnd.random() < 0.85 else "practice",
                    "score": round(rnd.random(), 3),
                    "content_version": "v1",
                    "created_at": T0 + timedelta(minutes=rnd.randrange(525_600)),
                }  # fmt: skip
            )
            if len(batch) >= 20_000:
                db.session.execute(insert(CompetencyEvidence), batch)
                batch.clear()
    if batch:
        db.session.execute(insert(CompetencyEvidence), batch)
    db.session.commit()


def _states(app, framework_id: int, learners: list[int], now: datetime) -> None:
    """Fill mastery_states as evidence.record keeps them, with the same domain function."""
    found = mastery.scope(db.session.get(Framework, framework_id))
    codes = {c.id: c.code for c in found.items}
    rows = []
    for start in range(0, len(learners), 500):
        chunk = learners[start : start + 500]
        pieces = defaultdict(list)
        query = select(CompetencyEvidence).where(CompetencyEvidence.user_id.in_(chunk))
        for row in db.session.scalars(query.execution_options(yield_per=20_000)):
            pieces[row.user_id, row.competency_id].append(mastery.as_evidence(row))
        for (learner, competency), evidence in pieces.items():
            code = codes[competency]
            outcome = rules_of.assess(found.rule(code), evidence, found.sources.get(code, ()))
            rows.append(
                {
                    "user_id": learner,
                    "competency_id": competency,
                    "level": outcome.level,
                    "mastered": outcome.mastered,
                    "value": outcome.value,
                    "assessed": outcome.assessed,
                    "practised": outcome.practised,
                    "updated_at": now,
                }  # fmt: skip
            )
        db.session.expunge_all()
        if len(rows) >= 20_000:
            db.session.execute(insert(MasteryState), rows)
            rows.clear()
    if rows:
        db.session.execute(insert(MasteryState), rows)
    db.session.commit()


def heatmap_from_evidence(viewer: User, framework: Framework) -> competency_maps.Heatmap:
    """The baseline: the same heatmap computed from every piece of the cohort's evidence."""
    board = competency_maps.heatmap(viewer, framework)
    found = mastery.scope(framework)
    learner_ids = [u.id for u in board.learners]
    pieces = defaultdict(list)
    query = select(CompetencyEvidence).where(CompetencyEvidence.user_id.in_(learner_ids))
    for start in range(0, len(learner_ids), 500):
        chunk = learner_ids[start : start + 500]
        query = select(CompetencyEvidence).where(CompetencyEvidence.user_id.in_(chunk))
        for row in db.session.scalars(query.execution_options(yield_per=20_000)):
            pieces[row.user_id, row.competency_id].append(mastery.as_evidence(row))
    cells = {}
    codes = {c.id: c.code for c in found.items}
    for (learner, competency), evidence in pieces.items():
        code = codes[competency]
        o = rules_of.assess(found.rule(code), evidence, found.sources.get(code, ()))
        cells[learner, competency] = competency_maps.Cell(
            o.level, o.mastered, o.value, o.assessed, o.practised
        )
    return competency_maps.Heatmap(
        board.framework, board.learners, board.columns, cells, board.titles
    )


def timed(fn, runs: int, *, warmup: int = 0) -> list[float]:
    """Milliseconds of *runs* calls, after *warmup* untimed ones (so that neither side of a
    comparison pays for reading the data into the database's cache)."""
    for _ in range(warmup):
        db.session.remove()
        fn()
    out = []
    for _ in range(runs):
        db.session.remove()
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, fast: list[float], slow: list[float]) -> None:
    fast50, slow50 = statistics.median(fast), statistics.median(slow)
    print(
        f"  {name:<12} p50 {fast50:9.1f} ms  p95 {p(fast, 0.95):9.1f} ms   "
        f"baseline p50 {slow50:9.1f} ms  p95 {p(slow, 0.95):9.1f} ms   "
        f"gain ×{slow50 / fast50:.1f}"
    )


def measure(app, ids: dict, args, rnd: random.Random) -> None:
    learners = rnd.sample(ids["learners"], k=min(args.runs, len(ids["learners"])))
    viewers = rnd.sample(
        ids["viewers"][:-1] or ids["viewers"], k=min(args.runs, len(ids["viewers"]))
    )
    admin = db.session.scalar(select(User.id).where(User.role == Role.PLATFORM_ADMIN))

    def user(uid):
        return db.session.get(User, uid)

    def fw():
        return competency_maps.pick_framework(None)

    it = iter(learners * 3)
    maps = timed(
        lambda: competency_maps.learner_map(user(next(it)), fw()),
        len(learners),
        warmup=len(learners),
    )
    it = iter(viewers * 3)
    heat = timed(
        lambda: competency_maps.heatmap(user(next(it)), fw()), len(viewers), warmup=len(viewers)
    )
    it = iter(viewers * 3)
    cohort_csv = timed(
        lambda: competency_maps.heatmap_csv(competency_maps.heatmap(user(next(it)), fw())),
        len(viewers),
    )
    full_csv = timed(
        lambda: competency_maps.heatmap_csv(competency_maps.heatmap(user(admin), fw())), 3
    )
    db.session.remove()
    db.session.execute(text("DROP INDEX ix_competency_evidence_learner"))
    db.session.commit()
    it = iter(learners * 3)
    maps_base = timed(
        lambda: competency_maps.learner_map(user(next(it)), fw()),
        len(learners),
        warmup=len(learners),
    )
    it = iter(viewers * 3)
    heat_base = timed(
        lambda: heatmap_from_evidence(user(next(it)), fw()), len(viewers), warmup=len(viewers)
    )
    it = iter(viewers * 3)
    cohort_base = timed(
        lambda: competency_maps.heatmap_csv(heatmap_from_evidence(user(next(it)), fw())),
        len(viewers),
    )
    full_base = timed(
        lambda: competency_maps.heatmap_csv(heatmap_from_evidence(user(admin), fw())), 1
    )
    report("map", maps, maps_base)
    report("heatmap", heat, heat_base)
    report("cohort CSV", cohort_csv, cohort_base)
    report("full CSV", full_csv, full_base)
    for name, values in (("map", maps), ("heatmap", heat)):
        verdict = "meets" if statistics.median(values) <= 150 else "MISSES"
        print(f"  {name} p50 {statistics.median(values):.1f} ms {verdict} the 150 ms target")


def run(url: str, args, tmp: Path) -> None:
    app = create_app(
        {
            "SECRET_KEY": "benchmark-" + "x" * 32,
            "PUBLIC_BASE_URL": "http://localhost",
            "INSTANCE_PATH": str(tmp / "instance"),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "LAB_WORKERS": 0,
            "LABS_ROOT": str(tmp / "no-labs"),
        }
    )
    rnd = random.Random(12)  # noqa: S311 - reproducible benchmark data, not a secret
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        start = time.perf_counter()
        ids = build(app, args, rnd)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"  dataset built in {time.perf_counter() - start:.0f} s")
        measure(app, ids, args, rnd)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--competencies", type=int, default=150)
    parser.add_argument("--evidence", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per figure")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(
        f"{args.learners} apprentices, {args.competencies} competencies, "
        f"{args.evidence} evidence records; {args.runs} runs per figure"
    )
    each_database(args.database, args.pg_url, lambda url, tmp: run(url, args, tmp))


if __name__ == "__main__":
    main()
