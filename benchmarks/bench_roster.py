"""Roster import at scale: 10,000 learner rows into a cohort, in uploads of 5,000 (the cap).

    .venv/bin/python benchmarks/bench_roster.py [--rows 10000] [--existing 0.5]

A fresh SQLite file with the real migrations; one training partner, its cohort on a published
course, an employer, and accounts for a share (--existing) of the roster's addresses (the
rest are new learners, who are invited). The roster is cut into files of at most 5,000 rows,
saved as Excel does (Windows-1252, CRLF), each with an employer column. For each file it times,
as the pages do: read (decode and check every row), preview (``rosters.plan``: look every
address up), confirm (``rosters.apply`` and the commit: enrol, invite, audit). Then the same
files again, which must change nothing ("re-run"). Invitation mail is not sent (the page
mails after the commit; the outbox's speed is not the importer's).

Baseline in the same run: Python's csv module reading the same bytes, the floor of any
importer. Prints rows per second for each step and for the whole import.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.domain import passwords  # noqa: E402
from app.domain.roles import OrgKind, Role  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Cohort, Course, Membership, Organization, User  # noqa: E402
from app.services import cohorts, rosters  # noqa: E402

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


def roster_files(rows: int) -> list[bytes]:
    files, lines = [], []
    for i in range(rows):
        employer = "Acme Plastics" if i % 3 == 0 else ""
        lines.append(f"learner{i:05d}@plant.example,Learner,Número {i},{employer}")
        if len(lines) == rosters.MAX_ROWS or i == rows - 1:
            text = "email,first_name,last_name,employer\r\n" + "\r\n".join(lines) + "\r\n"
            files.append(text.encode("cp1252"))
            lines = []
    return files


def seed(rows: int, existing: float) -> tuple[int, int]:
    host = Organization(slug="lakeshore", name="Lakeshore Community College",
                        kind=OrgKind.TRAINING_PARTNER)  # fmt: skip
    acme = Organization(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
    course = Course(slug="bench-course", title="Bench course", published=True)
    db.session.add_all([host, acme, course])
    db.session.flush()
    digest = passwords.hash_password("bench-password-not-used")
    admin = User(email="pat@lakeshore.example", name="Pat Admin", password_hash=digest,
                 role=Role.PARTNER_ADMIN, organization_id=host.id)  # fmt: skip
    db.session.add(admin)
    db.session.flush()
    db.session.add(Membership(user_id=admin.id, organization_id=host.id, role=Role.PARTNER_ADMIN))
    have = int(rows * existing)
    db.session.execute(
        insert(User),
        [
            {"email": f"learner{i:05d}@plant.example", "name": f"Learner {i}",
             "password_hash": digest, "role": Role.APPRENTICE, "public_id": f"bench{i:07d}"}
            for i in range(0, rows, max(1, round(1 / existing)) if existing else rows + 1)
        ][:have],
    )  # fmt: skip
    cohort = cohorts.create(
        host, cohorts.Draft("Fall 2026 evening", "bench-course", None, date(2026, 9, 1),
                            date(2026, 12, 15)), actor=admin, now=NOW,
    )  # fmt: skip
    db.session.commit()
    return cohort.id, admin.id


def import_file(cohort_id: int, admin_id: int, data: bytes) -> tuple[rosters.Applied, list]:
    """Read, preview and confirm one file as the pages do; the seconds of each step."""
    cohort, admin = db.session.get(Cohort, cohort_id), db.session.get(User, admin_id)
    start = time.perf_counter()
    sheet = rosters.read(data)
    read = time.perf_counter()
    rosters.plan(cohort, sheet, now=NOW)
    planned = time.perf_counter()
    applied = rosters.apply(cohort, sheet, actor=admin, now=NOW)
    db.session.commit()
    done = time.perf_counter()
    db.session.expire_all()
    return applied, [read - start, planned - read, done - planned]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--existing", type=float, default=0.5, help="share of addresses with an account already"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40,
                          "TESTING": True, "INSTANCE_PATH": folder, "LAB_WORKERS": 0,
                          "RATELIMIT_ENABLED": False})  # fmt: skip
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            cohort_id, admin_id = seed(args.rows, args.existing)
            files = roster_files(args.rows)
            start = time.perf_counter()
            for data in files:
                list(csv.reader(io.StringIO(data.decode("cp1252"))))
            floor = time.perf_counter() - start
            totals = {"read": 0.0, "preview": 0.0, "confirm": 0.0}
            outcomes: dict[str, int] = {}
            for data in files:
                applied, seconds = import_file(cohort_id, admin_id, data)
                for step, t in zip(totals, seconds, strict=True):
                    totals[step] += t
                for key, n in applied.totals.items():
                    outcomes[key] = outcomes.get(key, 0) + n
            rerun = 0.0
            for data in files:
                applied, seconds = import_file(cohort_id, admin_id, data)
                assert applied.changes == 0, applied.totals
                rerun += sum(seconds)
            totals["re-run (no change)"] = rerun
    rows = args.rows
    print(f"Roster import: {rows:,} rows in {len(files)} file(s) of at most {rosters.MAX_ROWS:,}"
          f" ({args.existing:.0%} existing accounts), SQLite")  # fmt: skip
    print(f"  outcomes: {outcomes}")
    print(f"  {'baseline: csv.reader alone':<36} {rows / floor:>10,.0f} rows/s ({floor:.3f} s)")
    for step, seconds in totals.items():
        print(f"  {step:<36} {rows / seconds:>10,.0f} rows/s ({seconds:.2f} s)")
    whole = totals["read"] + totals["preview"] + totals["confirm"]
    print(f"  {'whole import (read+preview+confirm)':<36} {rows / whole:>10,.0f} rows/s "
          f"({whole:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
