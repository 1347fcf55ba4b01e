"""Plain functions that make test records with overridable defaults.

Hashing with Argon2 takes about 0.1 s, so each distinct password is hashed once per run.
"""

from __future__ import annotations

import itertools
from functools import cache

from app.database import utcnow
from app.domain import passwords
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Membership, Organization, User

PASSWORD = "correct-horse-battery-staple"
SEED_SECRET = "test-lab-seed-secret"  # keys learners' lab seeds in service tests
_serial = itertools.count(1)


@cache
def password_hash(password: str) -> str:
    return passwords.hash_password(password)


def make_org(
    *, slug: str | None = None, name: str | None = None, kind: OrgKind = OrgKind.TRAINING_PARTNER
) -> Organization:
    n = next(_serial)
    org = Organization(
        slug=slug or f"org-{n}",
        name=name or f"Test College {n}",
        kind=kind,
        location="Testville, OH",
        description="",
        created_at=utcnow(),
        verified_at=utcnow(),
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    role: Role = Role.APPRENTICE,
    org: Organization | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    n = next(_serial)
    user = User(
        email=email or f"user{n}@shopfloor.example",
        name=name or f"Test User {n}",
        password_hash=password_hash(password),
        role=role,
        organization=org,
        active=active,
        created_at=utcnow(),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    if org is not None and role is not Role.PLATFORM_ADMIN:
        join(user, org, role)
    return user


def join(user: User, org: Organization, role: Role, *, active: bool = True) -> Membership:
    """Make *user* a member of *org* in *role* as data (any role, whatever the kind)."""
    membership = Membership(user=user, organization=org, role=role, active=active)
    db.session.add(membership)
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    return membership


# Labs: the fixture lab of tests/sandbox/labs_fixture.py, offered in a lesson and graded.
# (Imports are local so that this block only appends to the module.)

LAB_ID = "lab-availability"


def offer_lab(labs_root, *, lesson_slug: str = "demo-second"):
    """Put the fixture lab in *labs_root* and offer it in a lesson of a synced curriculum."""
    import nbformat

    from app.models import Lesson
    from tests.sandbox.labs_fixture import source_notebook

    labs_root.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), labs_root / f"{LAB_ID}.ipynb")
    lesson = db.session.scalar(db.select(Lesson).where(Lesson.slug == lesson_slug))
    assert lesson is not None, f"no lesson {lesson_slug!r}: sync a curriculum first"
    card = {"id": LAB_ID, "title": "Availability and OEE", "objectives": [], "planned": False}
    lesson.labs = [*(lesson.labs or []), card]
    db.session.flush()
    return lesson


class LocalExecutor:
    """Runs each code cell with exec() in this process, printing into the cell's stdout.

    Only for the fixture lab's own short code in tests: grading then really passes and fails
    checks without a kernel. An exception ends its cell with "error"; later cells still run.
    """

    sandboxed = True

    def __init__(self) -> None:
        from app.sandbox.base import Limits

        self.limits = Limits()

    def check(self) -> None:
        return None

    def run(self, notebook, limits=None, *, pooled=True, on_cell=None):
        import contextlib
        import io

        from app.sandbox.base import REPLY_TAG, CellResult, Output, RunResult

        namespace: dict = {"__builtins__": __builtins__}
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        results = []
        for index, cell in enumerate(code):
            if on_cell is not None:
                on_cell(index, len(code))
            printed = io.StringIO()
            status, error, value = "ok", None, None
            try:
                with contextlib.redirect_stdout(printed):
                    if REPLY_TAG in cell.metadata.get("tags", ()):  # as a user expression
                        value = repr(eval(cell.source, namespace))  # noqa: S307 - see above
                    else:
                        exec(cell.source, namespace)  # noqa: S102 - the test's own fixture code
            except Exception as exc:
                status, error = "error", {"name": type(exc).__name__, "message": str(exc)}
            text = printed.getvalue()
            outputs = [Output("stream", "stdout", text)] if text else []
            results.append(CellResult(index, status, error, outputs, value=value))
        return RunResult("completed", results)


def grade_queued(labs_root, executor=None):
    """Grade the oldest queued lab submission (inside an app context), as a worker would."""
    from app.engine import grading
    from app.services import lab_catalog

    return grading.grade_next(
        load_lab=lambda lab_id: lab_catalog.load(labs_root, lab_id),
        executor=executor or LocalExecutor(),
        now=utcnow,
    )
