"""The data of `make bench-load`, made and read in a child process with a mode's environment.

.venv/bin/python benchmarks/load_seed.py seed PLAN.json   # learners, sessions, lessons, lab
.venv/bin/python benchmarks/load_seed.py tally OUT.json   # how the submissions ended
"""

from __future__ import annotations

import json
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER_AGENT = "shopfloor-bench-load"  # Locust sends it too: the session's identifier matches
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)
SETUP_CELL = "setup"  # the lab's first (read-only) cell: imports; the first run starts the kernel


def seed(plan_path: Path) -> None:
    """Learners with signed-in sessions, the lessons to read and the lab: into *plan_path*.

    Accounts share one password hash, as the app's demo program does for its learners; each
    gets a server-side session started by ``web.sessions.begin`` (what a sign-in does after
    checking the password), and its cookie is the one Flask would send back.
    """
    import nbformat
    from flask import session, url_for
    from sqlalchemy import select

    from app import create_app
    from app.domain import passwords
    from app.domain.roles import Role
    from app.extensions import db
    from app.models import Course, Lesson, User
    from app.web import sessions

    plan = json.loads(plan_path.read_text())
    app = create_app()
    serializer = app.session_interface.get_signing_serializer(app)
    base = app.config["PUBLIC_BASE_URL"]  # a request to another host is refused (TRUSTED_HOSTS)
    with app.app_context():
        shared = passwords.hash_password(secrets.token_urlsafe(16))
        cookies: dict[str, list[str]] = {}
        for group, count in plan["accounts"].items():
            users = [
                User(email=f"{group}{n}@bench-load.example.com", name=f"Bench {group} {n}",
                     password_hash=shared, role=Role.APPRENTICE)
                for n in range(count)
            ]  # fmt: skip
            db.session.add_all(users)
            db.session.commit()
            cookies[group] = []
            for user in users:
                with app.test_request_context(
                    "/", base_url=base, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                    headers={"User-Agent": USER_AGENT},
                ):  # fmt: skip
                    sessions.begin(user)
                    db.session.commit()
                    cookies[group].append(serializer.dumps(dict(session)))
        lessons = db.session.execute(
            select(Course.slug, Lesson.slug, Lesson.labs)
            .join(Course, Course.id == Lesson.course_id)
            .where(Lesson.archived_at.is_(None), Course.published.is_(True))
            .order_by(Course.slug, Lesson.position)
        ).all()
        with app.test_request_context("/", base_url=base):
            paths = [url_for("courses.lesson", slug=c, lesson_slug=s) for c, s, _ in lessons]
            home = [(c, s) for c, s, labs in lessons if plan["lab"] in {x["id"] for x in labs}]
            if not home:
                raise SystemExit(f"no lesson offers the lab {plan['lab']}")
            lab_path = url_for(
                "labs.workspace", slug=home[0][0], lesson_slug=home[0][1], lab_id=plan["lab"]
            )
            rps_lesson = url_for("courses.lesson", slug=home[0][0], lesson_slug=home[0][1])
    notebook = nbformat.read(ROOT / "labs" / f"{plan['lab']}.ipynb", as_version=4)
    answers = {
        cell.id: SOLUTION_MARKER.sub("", cell.source)
        for cell in notebook.cells
        if cell.metadata.get("shopfloor", {}).get("role") == "answer"
    }
    first = next(iter(answers))
    plan |= {
        "cookies": cookies,
        "cookie_name": app.config["SESSION_COOKIE_NAME"],
        "lessons": paths,
        "rps_lesson": rps_lesson,
        "lab": {"id": plan["lab"], "path": lab_path, "setup_cell": SETUP_CELL,
                "cell": first, "cell_code": answers[first], "answers": answers},
    }  # fmt: skip
    plan_path.write_text(json.dumps(plan))


def tally(out: Path) -> None:
    """How the benchmark's submissions ended, from the database (child, mode's environment)."""
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import LabSubmission, User

    app = create_app()
    with app.app_context():
        mine = LabSubmission.user_id.in_(
            select(User.id).where(User.email.like("%@bench-load.example.com"))
        )
        rows = db.session.execute(
            select(LabSubmission.status, func.count()).where(mine).group_by(LabSubmission.status)
        ).all()
        twice = db.session.scalar(select(func.count()).where(mine, LabSubmission.tries > 1))
        runs = db.session.execute(
            select(
                LabSubmission.created_at, LabSubmission.started_at, LabSubmission.finished_at
            ).where(mine, LabSubmission.finished_at.is_not(None))
        ).all()
    out.write_text(
        json.dumps(
            {
                "status": {status: count for status, count in rows},
                "claimed_more_than_once": twice,
                "queued": [(s - c).total_seconds() for c, s, _ in runs if s],
                "grading": [(f - s).total_seconds() for _, s, f in runs if s],
            }
        )
    )


if __name__ == "__main__":
    {"seed": seed, "tally": tally}[sys.argv[1]](Path(sys.argv[2]))
