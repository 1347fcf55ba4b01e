"""Curriculum at scale: validate, sync and lesson-page rendering on 500 generated lessons.

    .venv/bin/python benchmarks/curriculum.py [--lessons 500] [--pages 50]

Prints the time to validate and to sync the tree (first load, then a no-op re-sync as its
baseline), and the median time of a full lesson-page request with the render cache cold
and warm, with the ratio cached/cold.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.content import validate  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import curriculum_sync  # noqa: E402

TABLE = (
    "| Machine | Speed | State |\n| --- | --- | --- |\n"
    "| Filler | 120 | EXECUTE |\n| Capper | 118 | HELD |"
)
TIP = "::: tip Watch the counters\nCounters roll over; compute differences modulo the range.\n:::"
PARAGRAPH = (
    "A packaging line runs a filler, a capper and a labeler. Each machine reports its state, "
    "its counts and its faults to the PLC, which scans its inputs, runs its program and "
    "writes its outputs many times a second. Technicians read these tags to find losses. "
)


def lesson_text(course: int, module: int, number: int) -> str:
    ident = f"c{course}-m{module}-l{number}"
    body = "\n\n".join(
        [
            f"## Part one of {ident}",
            PARAGRAPH * 6,
            TABLE,
            TIP,
            f"## Part two of {ident}",
            PARAGRAPH * 6,
            "```python\ngood = total - rejects\noee = availability * performance * quality\n```",
            "OEE is $A \\times P \\times Q$ and energy is $E = P t$.",
            textwrap.dedent(
                f"""\
                ```quiz
                id: {ident}-q1
                type: single
                prompt: Which state means the machine is producing?
                competencies: [BENCH.A.1]
                choices:
                  - text: EXECUTE
                    correct: true
                  - HELD
                  - STOPPED
                explanation: EXECUTE is the producing state.
                ```"""
            ),
            f"[Next lesson]({'0' if number + 1 < 10 else ''}{number + 1}-lesson.md)"
            if number < 9
            else "",
        ]
    )
    front = (
        f"---\nid: {ident}\ntitle: Lesson {number} of module {module}\nminutes: 20\n"
        "competencies: [BENCH.A.1]\n---\n\n"
    )
    return front + body + "\n"


def generate(root: Path, lessons: int) -> None:
    (root / "frameworks").mkdir(parents=True)
    (root / "frameworks/bench.yml").write_text(
        "id: bench\ntitle: Bench\nversion: '1'\ndomains:\n  - id: BENCH.A\n    title: A\n"
        "    competencies:\n      - id: BENCH.A.1\n        title: One\n"
    )
    per_module, per_course = 10, 50
    for course in range(lessons // per_course):
        folder = root / f"course-{course}"
        modules = []
        for module in range(per_course // per_module):
            name = f"m{module:02d}"
            modules.append(name)
            (folder / name).mkdir(parents=True)
            names = [f"{n:02d}-lesson.md" for n in range(per_module)]
            (folder / name / "module.yml").write_text(
                f"id: c{course}-m{module}\ntitle: Module {module}\nlessons:\n"
                + "".join(f"  - {n}\n" for n in names)
            )
            for number, file_name in enumerate(names):
                (folder / name / file_name).write_text(lesson_text(course, module, number))
        (folder / "course.yml").write_text(
            f"id: course-{course}\ntitle: Course {course}\nsummary: Generated.\nversion: '1'\n"
            f"published: true\nframework: bench\nmodules:\n"
            + "".join(f"  - {m}\n" for m in modules)
        )


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=500)
    parser.add_argument("--pages", type=int, default=50, help="lesson pages to request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "curricula"
        generate(root, args.lessons)
        app = create_app(
            {
                "SECRET_KEY": "benchmark-" + "x" * 32,
                "PUBLIC_BASE_URL": "http://localhost",
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            validate_s, (curriculum, problems) = timed(lambda: validate.load(root, labs_root=root))
            assert not problems.errors, problems.errors[:3]
            lessons = sum(len(c.lessons()) for c in curriculum.courses)

            def load():
                report = curriculum_sync.sync(curriculum, version="bench", now=utcnow())
                db.session.commit()
                return report

            sync_s, _ = timed(load)
            resync_s, report = timed(load)
            assert not report.changed_anything
            from tests.factories import make_user  # a learner to read as

            user = make_user()
            db.session.commit()
            user_id = user.get_id()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
        urls = [
            f"/courses/course-{c}/lessons/c{c}-m{m}-l{n}"
            for c in range(args.lessons // 50)
            for m in range(5)
            for n in range(10)
        ][: args.pages]
        cold, warm = [], []
        for url in urls:
            took, response = timed(lambda url=url: client.get(url))
            assert response.status_code == 200, (url, response.status_code)
            cold.append(took)
        for url in urls:
            took, _ = timed(lambda url=url: client.get(url))
            warm.append(took)
    cold_ms, warm_ms = statistics.median(cold) * 1000, statistics.median(warm) * 1000
    print(f"lessons generated         {lessons}")
    per_lesson = validate_s / lessons * 1000
    print(f"validate                  {validate_s:8.2f} s   ({per_lesson:.1f} ms per lesson)")
    print(f"sync, first load          {sync_s:8.2f} s")
    ratio = resync_s / sync_s
    print(f"sync, nothing changed     {resync_s:8.2f} s   (ratio to first load {ratio:.2f})")
    print(f"lesson page, cold cache   {cold_ms:8.1f} ms  (median of {len(cold)} pages)")
    print(f"lesson page, cached       {warm_ms:8.1f} ms  (median of {len(warm)} pages)")
    print(f"ratio cached/cold         {warm_ms / cold_ms:8.2f}")


if __name__ == "__main__":
    main()
