"""The demo data `make run` loads includes an apprenticeship in the shipped program, so a
new user of the demo accounts finds hours to sign off and a record to read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.content import validate
from app.database import utcnow
from app.services import apprenticeships, curriculum_sync, demo

REPO = Path(__file__).resolve().parent.parent.parent
TODAY = date(2026, 12, 6)


def test_the_demo_apprentice_is_enrolled_once_with_signed_off_hours(ctx):
    root = REPO / "curricula"
    curriculum, problems = validate.load(root, labs_root=REPO / "labs")
    assert problems.errors == []
    curriculum_sync.sync(curriculum, version="test", now=utcnow())
    demo.seed(now=utcnow())
    assert demo.seed_apprenticeship(curriculum_root=root, today=TODAY, now=utcnow())
    assert not demo.seed_apprenticeship(curriculum_root=root, today=TODAY, now=utcnow())
    [apprentice, mentor] = [u for u in demo.demo_accounts() if u.role.value in
                            ("apprentice", "mentor")]  # fmt: skip
    [enrolment] = apprenticeships.of_apprentice(apprentice)
    assert enrolment.program_id == demo.DEMO_PROGRAM and enrolment.mentor_id == mentor.id
    statuses = [e.status for e in apprenticeships.entries(enrolment)]
    assert sorted(statuses) == ["approved", "approved", "approved", "pending"]
    assert apprenticeships.queue(mentor)  # the demo mentor has something to sign off
    assert all(e.description.startswith("Demo entry:") for e in apprenticeships.entries(enrolment))
