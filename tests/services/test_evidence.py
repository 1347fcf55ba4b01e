"""The one evidence writer: its framework scope, replacing, refusals, and the summary."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.domain.evidence import ASSESSMENT, PRACTICE
from app.errors import InvalidInput
from app.extensions import db
from app.models import Competency, CompetencyEvidence, Framework, Question
from app.services import evidence, quizzes
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


def framework(slug: str, *codes: str) -> Framework:
    found = Framework(slug=slug, uuid=str(uuid.uuid4()), title=slug, version="1")
    db.session.add(found)
    db.session.flush()
    for code in codes:
        db.session.add(
            Competency(
                framework_id=found.id,
                uuid=str(uuid.uuid4()),
                code=code,
                title=f"{code} in {slug}",
                kind="competency",
            )
        )
    db.session.flush()
    return found


def write(learner, framework_id, codes=("X.1",), **overrides):
    values = {
        "framework_id": framework_id,
        "source_kind": "quiz",
        "source_ref": "q-1",
        "purpose": ASSESSMENT,
        "score": 0.5,
        "content_version": "v1",
        "now": utcnow(),
    }
    return evidence.record(learner.id, codes, **{**values, **overrides})


def rows():
    query = select(CompetencyEvidence).order_by(CompetencyEvidence.id)
    return list(db.session.scalars(query))


def test_evidence_credits_only_the_framework_in_scope(ctx):
    """Does a code that another framework reuses ever get credited? It must not."""
    ours, theirs = framework("ours", "X.1", "X.2"), framework("theirs", "X.1")
    learner = factories.make_user()
    written = write(learner, ours.id, codes=("X.1", "X.2", "NOT.THERE"))
    assert [(e.competency.framework_id, e.competency.code) for e in written] == [
        (ours.id, "X.1"),
        (ours.id, "X.2"),
    ]
    assert all(e.competency.framework_id != theirs.id for e in rows())


def test_without_a_framework_nothing_is_recorded(ctx):
    framework("ours", "X.1")
    assert write(factories.make_user(), None) == []
    assert rows() == []


def test_a_record_keeps_source_level_assessor_and_version(ctx):
    ours = framework("ours", "X.1")
    learner, mentor = factories.make_user(), factories.make_user()
    [row] = write(
        learner, ours.id, source_kind="mentor", source_ref="obs-7", score=None, level=3,
        assessor_id=mentor.id, content_version="2026-12",
    )  # fmt: skip
    assert (row.user_id, row.source_kind, row.source_ref) == (learner.id, "mentor", "obs-7")
    assert (row.score, row.level, row.assessor_id) == (None, 3, mentor.id)
    assert (row.purpose, row.content_version) == (ASSESSMENT, "2026-12")


def test_replacing_drops_earlier_evidence_of_the_same_source_and_purpose_only(ctx):
    ours = framework("ours", "X.1")
    learner, other = factories.make_user(), factories.make_user()
    write(learner, ours.id, score=0.2)
    write(learner, ours.id, purpose=PRACTICE, score=0.1)
    write(learner, ours.id, source_ref="q-2", score=0.3)
    write(other, ours.id, score=0.4)
    write(learner, ours.id, score=0.9, replace=True)
    assert sorted((e.user_id == learner.id, e.source_ref, e.purpose, e.score) for e in rows()) == [
        (False, "q-1", ASSESSMENT, 0.4),
        (True, "q-1", ASSESSMENT, 0.9),
        (True, "q-1", PRACTICE, 0.1),
        (True, "q-2", ASSESSMENT, 0.3),
    ]


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"purpose": "mastery"}, "purpose"),
        ({"score": None}, "score"),
        ({"score": 1.5}, "score"),
        ({"score": -0.1}, "score"),
        ({"level": -1}, "level"),
        ({"level": True}, "level"),
    ],
)
def test_values_out_of_range_are_refused(ctx, overrides, field):
    ours = framework("ours", "X.1")
    with pytest.raises(InvalidInput) as refused:
        write(factories.make_user(), ours.id, **overrides)
    assert refused.value.field == field
    assert rows() == []


def test_the_summary_keeps_practice_apart_from_assessment(ctx):
    """Practice never shows as a score: a competency only practised has no percent."""
    ours = framework("ours", "X.1", "X.2")
    learner = factories.make_user()
    start = utcnow()
    write(learner, ours.id, codes=("X.1",), purpose=PRACTICE, score=1.0, now=start)
    write(learner, ours.id, codes=("X.1",), purpose=PRACTICE, score=1.0, now=start)
    write(learner, ours.id, codes=("X.2",), purpose=PRACTICE, score=1.0, now=start)
    write(learner, ours.id, codes=("X.2",), source_ref="lab#attempt-1", score=0.6, now=start)
    later = start + timedelta(hours=1)
    write(learner, ours.id, codes=("X.2",), source_ref="lab#attempt-2", score=0.8, now=later)
    first, second = evidence.summary(learner)
    assert (first.code, first.assessed, first.percent, first.practised) == ("X.1", 0, None, 2)
    assert first.best is None
    assert (second.code, second.assessed, second.percent, second.practised) == ("X.2", 2, 80, 1)
    assert second.latest_at == later


def test_a_quiz_answer_credits_only_its_courses_framework(ctx):
    """The fixture course maps to framework 'mini'; another framework reuses MINI.A.1."""
    sync_tree(FIXTURE_CURRICULA / "good")
    other = framework("other", "MINI.A.1")
    learner = factories.make_user()
    question = db.session.scalar(select(Question).where(Question.slug == "demo-first-q1"))
    choice = {c.text: c.key for c in quizzes.spec_of(question).choices}
    quizzes.answer(learner, question, choice["Read inputs"], now=utcnow())
    [row] = rows()
    assert row.competency.code == "MINI.A.1" and row.competency.framework_id != other.id
    assert row.competency.framework.slug == "mini"
    assert (row.purpose, row.score) == (PRACTICE, 1.0)
