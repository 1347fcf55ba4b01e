"""The state program view at scale, and the gradebook and roster preview beside it.

    .venv/bin/python benchmarks/bench_program.py [--apprentices 10000] [--runs 40]
        [--database sqlite|postgresql|both] [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Generates a program of 10,000 apprentices in a fresh SQLite file and/or a fresh PostgreSQL
database (created beside --pg-url's and dropped afterwards, so the test database is never
touched), with the real migrations and the real curriculum (courses, lessons, labs, badges):

- a program operator with 20 training partners in 10 counties of two states and 200
  employers; 400 cohorts of 25 learners (2025 and 2026), each learner a member of their
  partner, sponsored by an employer (80 %), some withdrawn; an apprenticeship each;
- lesson completions in course order (about half of the course each, a third complete it),
  a graded lab submission for each lab of a completed lesson (some with a second attempt),
  credentials for the badges those labs earn, and mastery states for the labs' competencies;
- a second program with 500 learners of its own, counted nowhere in the first.

Then, through the whole WSGI stack (Flask's test client, signed in as program staff), after
three untimed requests each: the program dashboard for the current year; the dashboard
filtered to one partner and one quarter; the competency attainment page; the partner table
as CSV. Baseline, in the same run:
a trivial signed-in page (account settings). Target: dashboard p50 ≤ 200 ms on both databases.
PostgreSQL is vacuumed and analysed after the build, as autovacuum keeps a live database.

Lab submissions are stored with an empty notebook ("{}"): real ones are tens of kilobytes,
which SQLite keeps inline before the columns the lab-hours figure filters on, so SQLite reads
through them; expect that figure to cost more on a real SQLite database than here.

When the other pages exist: a 30-learner cohort's gradebook (target p50 ≤ 150 ms), signed in
as the host's admin, and a roster import preview (rows per second; files over the import's
row limit are refused, and that refusal is timed too).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.content import validate  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.domain.roles import OrgKind, Role  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Achievement,
    Apprenticeship,
    Cohort,
    CohortMember,
    Competency,
    Course,
    Credential,
    LabSubmission,
    Lesson,
    LessonCompletion,
    MasteryState,
    Membership,
    Organization,
    User,
)
from benchmarks.databases import each_database  # noqa: E402
from tests.conftest import sign_in  # noqa: E402

MIGRATIONS = str(REPO / "migrations")
STATES = {
    "OH": ["Lake", "Lorain", "Cuyahoga", "Summit", "Stark", "Lucas", "Wood"],
    "PA": ["Erie", "Crawford", "Mercer"],
}
PARTNERS, EMPLOYERS, COHORT_SIZE = 20, 200, 25
BATCH = 5000
STAFF_EMAIL, HOST_EMAIL = "staff@bench.example", "host-admin@bench.example"
NO_PASSWORD = "!"  # noqa: S105 - no hash verifies against it: nobody signs in with a password


def put(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def ids(model, **where) -> list[int]:
    query = select(model.id).filter_by(**where).order_by(model.id)
    return list(db.session.scalars(query))


class Builder:
    """Writes one program (or the second, smaller one) with bulk inserts."""

    def __init__(self, rnd: random.Random, now: datetime, course: Course, labs: dict) -> None:
        self.rnd, self.now, self.course = rnd, now, course
        self.lessons = list(
            db.session.scalars(
                select(Lesson)
                .where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
                .order_by(Lesson.position)
            )
        )
        self.labs = labs  # lab id -> (lesson index, competency ids)
        self.badges = {
            a.slug: [r["lab"] for r in a.criteria.get("rules", []) if "lab" in r]
            for a in db.session.scalars(select(Achievement))
        }
        self.badge_ids = dict(db.session.execute(select(Achievement.slug, Achievement.id)).all())

    def program(self, slug: str, learners: int, partners: int, employers: int) -> int:
        rnd = self.rnd
        db.session.execute(
            insert(Organization),
            [
                {
                    "slug": slug,
                    "name": f"Bench program {slug}",
                    "kind": OrgKind.PROGRAM_OPERATOR,
                    "state": "OH",
                    "created_at": self.now,
                }
            ],
        )
        (operator,) = ids(Organization, slug=slug)
        places = [(s, f"{c} County") for s, cs in STATES.items() for c in cs]
        rows = []
        for n in range(partners):
            state, county = places[n % len(places)]
            rows.append(
                {
                    "slug": f"{slug}-p{n}",
                    "name": f"Partner {n} ({slug})",
                    "kind": OrgKind.TRAINING_PARTNER,
                    "state": state,
                    "county": county,
                    "program_operator_id": operator,
                    "verified_at": self.now,
                    "created_at": self.now,
                }
            )
        for n in range(employers):
            state, county = places[rnd.randrange(len(places))]
            rows.append(
                {
                    "slug": f"{slug}-e{n}",
                    "name": f"Employer {n} ({slug})",
                    "kind": OrgKind.EMPLOYER,
                    "state": state,
                    "county": county,
                    "program_operator_id": operator,
                    "verified_at": self.now,
                    "created_at": self.now,
                }
            )
        put(Organization, rows)
        partner_ids = ids(Organization, program_operator_id=operator, kind=OrgKind.TRAINING_PARTNER)
        employer_ids = ids(Organization, program_operator_id=operator, kind=OrgKind.EMPLOYER)
        self._cohorts(slug, partner_ids, learners)
        self._learners(slug, partner_ids, employer_ids, learners)
        db.session.commit()
        return operator

    def _cohorts(self, slug: str, partner_ids: list[int], learners: int) -> None:
        count = (learners + COHORT_SIZE - 1) // COHORT_SIZE
        rows = []
        for n in range(count):
            starts = date(2025, 1, 6) + timedelta(days=(n * 661 // count))
            rows.append(
                {
                    "public_id": secrets.token_urlsafe(12),
                    "host_id": partner_ids[n % len(partner_ids)],
                    "name": f"{slug} cohort {n}",
                    "course_id": self.course.id,
                    "starts_on": starts,
                    "ends_on": starts + timedelta(days=182),
                    "created_at": self.now,
                }
            )
        put(Cohort, rows)

    def _learners(self, slug, partner_ids, employer_ids, count) -> None:
        rnd, now = self.rnd, self.now
        cohorts = list(
            db.session.execute(
                select(Cohort.id, Cohort.host_id, Cohort.starts_on, Cohort.ends_on)
                .where(Cohort.host_id.in_(partner_ids))
                .order_by(Cohort.id)
            )
        )
        put(
            User,
            [
                {
                    "public_id": secrets.token_urlsafe(12),
                    "email": f"{slug}-a{n}@bench.example",
                    "name": f"Apprentice {n:05d}",
                    "password_hash": NO_PASSWORD,
                    "role": Role.APPRENTICE,
                    "organization_id": cohorts[n // COHORT_SIZE].host_id,
                    "created_at": now,
                    "password_changed_at": now,
                }
                for n in range(count)
            ],
        )
        users = list(
            db.session.scalars(
                select(User.id).where(User.email.like(f"{slug}-a%")).order_by(User.id)
            )
        )
        members, places, apprenticeships = [], [], []
        completions, submissions, credentials, states = [], [], [], []
        for n, user in enumerate(users):
            cohort, host, starts, ends = cohorts[n // COHORT_SIZE]
            joined = datetime.combine(starts, datetime.min.time(), UTC) + timedelta(
                days=rnd.randrange(14), hours=rnd.randrange(24)
            )
            left = joined + timedelta(days=rnd.randrange(20, 150)) if rnd.random() < 0.1 else None
            sponsor = rnd.choice(employer_ids) if rnd.random() < 0.8 else None
            members.append(
                {
                    "user_id": user,
                    "organization_id": host,
                    "role": Role.APPRENTICE,
                    "active": True,
                    "created_at": joined,
                }
            )
            places.append(
                {
                    "cohort_id": cohort,
                    "user_id": user,
                    "role": "learner",
                    "status": "withdrawn" if left else "active",
                    "sponsor_id": sponsor,
                    "joined_via": "roster",
                    "joined_at": joined,
                    "left_at": left,
                }
            )
            status = rnd.choices(("active", "completed", "ended"), (80, 12, 8))[0]
            apprenticeships.append(
                {
                    "public_id": secrets.token_urlsafe(12),
                    "apprentice_id": user,
                    "program_id": "smart-manufacturing-technician",
                    "employer_id": sponsor or rnd.choice(employer_ids),
                    "start_date": date(2024, 6, 1) + timedelta(days=rnd.randrange(900)),
                    "status": status,
                    "created_at": now,
                }
            )
            self._progress(user, host, joined, left, completions, submissions, credentials, states)
        put(Membership, members)
        put(CohortMember, places)
        put(Apprenticeship, apprenticeships)
        put(LessonCompletion, completions)
        put(LabSubmission, submissions)
        put(Credential, credentials)
        put(MasteryState, states)

    def _progress(
        self, user, host, joined, left, completions, submissions, credentials, states
    ) -> None:
        rnd, lessons = self.rnd, self.lessons
        done = len(lessons) if rnd.random() < 0.33 else rnd.randrange(len(lessons))
        when, finished = joined, {}
        for index in range(done):
            when += timedelta(days=rnd.randrange(1, 6), minutes=rnd.randrange(600))
            if when > self.now or (left and when > left):
                break
            completions.append(
                {"user_id": user, "lesson_id": lessons[index].id, "completed_at": when}
            )
            finished[index] = when
        best = {}
        mastered: set[int] = set()
        for lab, (index, competencies) in self.labs.items():
            if index not in finished:
                continue
            at = finished[index] + timedelta(hours=rnd.randrange(1, 48))
            for attempt in range(1, 3 if rnd.random() < 0.3 else 2):
                score = rnd.uniform(0.55, 1.0)
                submissions.append(
                    {
                        "public_id": secrets.token_urlsafe(12),
                        "user_id": user,
                        "lab_slug": lab,
                        "course_id": self.course.id,
                        "seed": 1,
                        "notebook": "{}",
                        "status": "graded",
                        "attempt": attempt,
                        "total": round(score * 20, 1),
                        "maximum": 20.0,
                        "created_at": at,
                        "finished_at": at,
                    }
                )
                best[lab] = (max(best.get(lab, (0, at))[0], score), at)
                at += timedelta(days=1)
            if best[lab][0] >= 0.8:
                mastered.update(competencies)
            for competency in competencies:
                states.append(
                    {
                        "user_id": user,
                        "competency_id": competency,
                        "level": 3,
                        "mastered": competency in mastered,
                        "value": best[lab][0],
                        "assessed": 1,
                        "practised": 0,
                        "updated_at": best[lab][1],
                    }
                )
        for slug, labs in self.badges.items():
            if labs and all(best.get(lab, (0,))[0] >= 0.8 for lab in labs):
                credentials.append(
                    {
                        "public_id": str(uuid.uuid4()),
                        "user_id": user,
                        "achievement_id": self.badge_ids[slug],
                        "issuer_id": host,
                        "state": "issued",
                        "evidence": [],
                        "criteria_met_at": max(best[lab][1] for lab in labs),
                        "issued_at": max(best[lab][1] for lab in labs),
                    }
                )


def build(app, args, rnd: random.Random) -> dict:
    now = utcnow()
    curriculum, problems = validate.load(REPO / "curricula", labs_root=REPO / "labs")
    assert not problems.errors, problems.errors
    from app.services import curriculum_sync

    curriculum_sync.sync(curriculum, version="bench", now=now)
    db.session.commit()
    course = db.session.scalar(
        select(Course).where(Course.slug == "smart-manufacturing-foundations")
    )
    competencies = dict(db.session.execute(select(Competency.code, Competency.id)).all())
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
            .order_by(Lesson.position)
        )
    )
    from app.services import lab_catalog

    labs = {}
    for index, lesson in enumerate(lessons):
        for card in lesson.labs or []:
            if card.get("planned"):
                continue
            lab = lab_catalog.load(REPO / "labs", card["id"])
            labs[lab.id] = (index, [competencies[c] for c in lab.competencies if c in competencies])
    builder = Builder(rnd, now, course, labs)
    operator = builder.program("bench-program", args.apprentices, PARTNERS, EMPLOYERS)
    builder.program("bench-other", 500, 2, 20)
    staff = User(
        email=STAFF_EMAIL,
        name="Program Staff",
        password_hash=NO_PASSWORD,
        role=Role.PARTNER_ADMIN,
        organization_id=operator,
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(staff)
    db.session.flush()
    db.session.add(
        Membership(
            user_id=staff.id, organization_id=operator, role=Role.PARTNER_ADMIN, created_at=now
        )
    )
    gradebook = _gradebook_cohort(now)
    db.session.commit()
    return {"staff": staff.id, "operator": "bench-program", **gradebook}


def _gradebook_cohort(now: datetime) -> dict:
    """The first cohort of the first partner made 30 learners strong, with the partner's
    admin to read its gradebook."""
    cohort = db.session.scalar(select(Cohort).order_by(Cohort.id))
    extra = list(
        db.session.scalars(
            select(CohortMember.user_id)
            .where(CohortMember.cohort_id != cohort.id)
            .order_by(CohortMember.id)
            .limit(5)
        )
    )
    for user_id in extra:
        db.session.add(
            CohortMember(cohort_id=cohort.id, user_id=user_id, role="learner", joined_at=now)
        )
    admin = User(
        email=HOST_EMAIL,
        name="Host Admin",
        password_hash=NO_PASSWORD,
        role=Role.PARTNER_ADMIN,
        organization_id=cohort.host_id,
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(admin)
    db.session.flush()
    db.session.add(
        Membership(
            user_id=admin.id,
            organization_id=cohort.host_id,
            role=Role.PARTNER_ADMIN,
            created_at=now,
        )
    )
    return {"cohort": cohort.public_id, "host_admin": admin.id}


def timed(client, url: str, runs: int, *, warmup: int = 3) -> list[float]:
    """Milliseconds of *runs* GETs of *url* (after *warmup* untimed ones); each must be 200."""
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(name: str, values: list[float], base: float) -> float:
    p50 = statistics.median(values)
    print(
        f"  {name:<34} p50 {p50:8.1f} ms  p95 {p95(values):8.1f} ms   ×{p50 / base:5.1f} baseline"
    )
    return p50


def measure(app, found: dict, args) -> None:
    client = app.test_client()
    with app.app_context():
        sign_in(client, db.session.get(User, found["staff"]))
    slug = found["operator"]
    with app.app_context():
        partner = db.session.scalar(
            select(Organization.slug)
            .where(Organization.slug.like(f"{slug}-p%"))
            .order_by(Organization.id)
        )
    quarter = f"{utcnow().year}-Q{(utcnow().month - 1) // 3 + 1}"
    base_values = timed(client, "/account/", args.runs)
    base = statistics.median(base_values)
    name = "baseline: account settings page"
    print(f"  {name:<34} p50 {base:8.1f} ms  p95 {p95(base_values):8.1f} ms")
    dashboard = line("dashboard, current year", timed(client, f"/programs/{slug}", args.runs), base)
    line(
        "dashboard, one partner, a quarter",
        timed(client, f"/programs/{slug}?partner={partner}&period={quarter}", args.runs),
        base,
    )
    line(
        "competency attainment page",
        timed(client, f"/programs/{slug}/competencies", args.runs),
        base,
    )
    line(
        "partner table as CSV",
        timed(client, f"/programs/{slug}/report.csv?table=partners", args.runs),
        base,
    )
    verdict = "meets" if dashboard <= 200 else "MISSES"
    print(f"  dashboard p50 {dashboard:.1f} ms {verdict} the 200 ms target")
    _gradebook(app, found, args, base)
    _roster(app, found, args)


def _gradebook(app, found: dict, args, base: float) -> None:
    """A 30-learner cohort's gradebook, when app/web/gradebook.py has its page."""
    page = next(
        (
            str(r.rule)
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith("gradebook.") and str(r.rule).endswith("/gradebook")
        ),
        None,
    )
    if page is None:
        print("  gradebook: skipped (app/web/gradebook.py has no gradebook page yet)")
        return
    client = app.test_client()
    with app.app_context():
        sign_in(client, db.session.get(User, found["host_admin"]))
    url = re.sub(r"<[^>]+>", found["cohort"], page)
    value = line("gradebook, 30 learners", timed(client, url, args.runs), base)
    verdict = "meets" if value <= 150 else "MISSES"
    print(f"  gradebook p50 {value:.1f} ms {verdict} the 150 ms target")


def _roster(app, found: dict, args) -> None:
    if importlib.util.find_spec("app.services.rosters") is None:
        print("  roster preview: skipped (app/services/rosters.py does not exist yet)")
        return
    from app.errors import InvalidInput
    from app.services import rosters

    def sheet(rows: int) -> bytes:
        lines = ["email,first_name,last_name,employer"]
        lines += [f"roster{n}@bench.example,Given{n},Family{n}," for n in range(rows)]
        lines += [f"bench-program-a{n}@bench.example,Apprentice,{n}," for n in range(rows // 10)]
        return ("\r\n".join(lines[: rows + 1]) + "\r\n").encode()

    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.public_id == found["cohort"]))
        cohort.capacity = None
        limit = getattr(rosters, "MAX_ROWS", None)
        for rows in (10_000, limit):
            if rows is None:
                continue
            data = sheet(rows)
            start = time.perf_counter()
            try:
                planned = rosters.plan(cohort, rosters.read(data), now=utcnow())
            except InvalidInput as exc:
                took = time.perf_counter() - start
                print(
                    f"  roster preview, {rows:,} rows: refused in {took * 1000:.0f} ms "
                    f"(\u201c{exc.message[:90]}\u201d)"
                )
                continue
            took = time.perf_counter() - start
            print(
                f"  roster preview, {rows:,} rows: {took:.2f} s, {rows / took:,.0f} rows/s "
                f"({planned.changes:,} changes planned)"
            )
        db.session.rollback()


def bench_app(url: str, tmp: Path):
    return create_app(
        {
            "SECRET_KEY": "benchmark-" + "x" * 32,
            "PUBLIC_BASE_URL": "http://localhost",
            "INSTANCE_PATH": str(tmp / "instance"),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "LAB_WORKERS": 0,
            "LABS_ROOT": str(REPO / "labs"),
            "CURRICULUM_ROOT": str(REPO / "curricula"),
        }
    )


def run(url: str, args, tmp: Path) -> None:
    """Build the dataset in this process, then time the pages in a fresh one: a server
    starts without the build's heap (timing here slowed every page, the baseline too, by
    about half)."""
    app = bench_app(url, tmp)
    rnd = random.Random(14)  # noqa: S311 - reproducible benchmark data, not a secret
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        start = time.perf_counter()
        build(app, args, rnd)
        if url.startswith("postgresql"):
            # The steady state autovacuum keeps (visibility map, statistics), rather than
            # autovacuum starting on the freshly written tables in the middle of the timings.
            db.session.commit()
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        counts = {
            name: db.session.scalar(select(db.func.count()).select_from(model))
            for name, model in (
                ("cohort places", CohortMember),
                ("lesson completions", LessonCompletion),
                ("lab submissions", LabSubmission),
                ("credentials", Credential),
                ("mastery states", MasteryState),
                ("apprenticeships", Apprenticeship),
            )
        }
        print(
            f"  dataset built in {time.perf_counter() - start:.0f} s: "
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
        db.session.remove()
        db.engine.dispose()
    sys.stdout.flush()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure",
        url,
        "--runs",
        str(args.runs),
    ]
    subprocess.run(command, check=True, cwd=tmp)  # noqa: S603 - this script, our arguments


def measure_only(url: str, args, tmp: Path) -> None:
    """Time the pages of a dataset built by ``run`` (the people and cohort found by name)."""
    app = bench_app(url, tmp)
    with app.app_context():
        found = {
            "operator": "bench-program",
            "staff": db.session.scalar(select(User.id).where(User.email == STAFF_EMAIL)),
            "host_admin": db.session.scalar(select(User.id).where(User.email == HOST_EMAIL)),
            "cohort": db.session.scalar(select(Cohort.public_id).order_by(Cohort.id)),
        }
        db.session.remove()
    measure(app, found, args)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apprentices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per figure")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # see run()
    args = parser.parse_args()
    if args.measure:
        measure_only(args.measure, args, Path.cwd())
        return
    print(f"{args.apprentices:,} apprentices; {args.runs} timed requests per figure")
    each_database(args.database, args.pg_url, lambda url, tmp: run(url, args, tmp))


if __name__ == "__main__":
    main()
