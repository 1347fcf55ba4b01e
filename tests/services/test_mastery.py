"""Mastery kept on write (states and events), the learner's map, and the cohort heatmap."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import Competency, MasteryEvent, MasteryState, Question
from app.services import competency_maps, evidence, quizzes
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


@pytest.fixture
def site(ctx):
    sync_tree(FIXTURE_CURRICULA / "good")
    org = factories.make_org()
    return {
        "org": org,
        "ana": factories.make_user(name="Ana Lopez", org=org),
        "ben": factories.make_user(name="=Ben Formula", org=org),
        "ian": factories.make_user(name="Ian", org=org, role=Role.INSTRUCTOR),
    }


def question(slug):
    return db.session.scalar(select(Question).where(Question.slug == slug))


def state(user, code):
    competency = db.session.scalar(select(Competency).where(Competency.code == code))
    return db.session.get(MasteryState, (user.id, competency.id))


def events(user):
    query = select(MasteryEvent).where(MasteryEvent.user_id == user.id).order_by(MasteryEvent.id)
    return [
        (e.competency.code, e.from_level, e.to_level, e.mastered) for e in db.session.scalars(query)
    ]


def answer(user, slug, raw, minutes=0):
    return quizzes.answer(user, question(slug), raw, now=utcnow() + timedelta(minutes=minutes))


def keys(slug, *texts):
    spec = quizzes.spec_of(question(slug))
    return [c.key for c in spec.choices if c.text in texts]


def test_practice_is_kept_as_practised_and_changes_no_level(site):
    ana = site["ana"]
    answer(ana, "demo-first-q1", keys("demo-first-q1", "Read inputs")[0])
    found = state(ana, "MINI.A.1")
    assert (found.level, found.mastered, found.practised, found.assessed) == (None, False, 1, 0)
    assert events(ana) == []


def test_a_checked_answer_records_the_change_of_level_with_its_evidence(site):
    ana = site["ana"]
    [right] = keys("demo-third-q2", "Writing the output image")
    answer(ana, "demo-third-q2", right)
    # Level 1 from the right answer; level 2 needs both checked questions right.
    assert events(ana) == [("MINI.A.2.1", None, 1, False)]
    event = db.session.scalar(select(MasteryEvent))
    assert event.evidence_id is not None and event.value == 1.0
    answer(
        ana, "demo-third-q3", keys("demo-third-q3", "The inputs are read", "The program runs"), 1
    )
    assert events(ana)[-1] == ("MINI.A.2.1", 1, 2, True)
    assert state(ana, "MINI.A.2.1").mastered


def test_a_replaced_attempt_can_lower_the_level(site):
    """counts: last: a worse last attempt replaces the better one, and the level follows."""
    ana = site["ana"]
    [right] = keys("demo-third-q2", "Writing the output image")
    answer(ana, "demo-third-q2", right)
    assert state(ana, "MINI.A.2.1").level == 1
    # A right answer closes the question, so write the replacement through the writer itself.
    framework_id = question("demo-third-q2").lesson.course.framework_id
    evidence.record(ana.id, ["MINI.A.2.1"], framework_id=framework_id, source_kind="quiz",
                    source_ref="demo-third-q2", purpose="assessment", score=0.0,
                    content_version="t", now=utcnow(), replace=True)  # fmt: skip
    assert state(ana, "MINI.A.2.1").level is None
    assert events(ana)[-1] == ("MINI.A.2.1", 1, None, False)


def test_the_map_has_every_competency_with_why_not_yet_and_links(site):
    ana = site["ana"]
    [right] = keys("demo-third-q2", "Writing the output image")
    answer(ana, "demo-third-q2", right)
    framework = competency_maps.pick_framework(None)
    board = competency_maps.learner_map(ana, framework)
    assert [row.code for row in board.rows] == ["MINI.A.1", "MINI.A.2", "MINI.A.2.1"]
    rows = {row.code: row for row in board.rows}
    sub = rows["MINI.A.2.1"]
    assert (sub.outcome.level, sub.percent, sub.depth) == (1, 100, 1)
    [gap] = sub.gaps
    assert gap.text == (
        "Level 2 (Able) needs the checked question in “The third lesson” with a score of at"
        " least 100 %."
    )
    [link] = gap.links
    assert (link.kind, link.ref, link.course_slug, link.lesson_slug) == (
        "quiz", "demo-third-q3", "demo-course", "demo-third",
    )  # fmt: skip
    assert [p.value for p in sub.history] == [1.0]
    assert [(c.from_level, c.to_level) for c in sub.changes] == [(None, 1)]
    untouched = rows["MINI.A.1"]
    assert untouched.outcome.level is None and untouched.gaps[0].text == (
        "Level 2 (Able) needs assessed work scoring at least 80 %; there is none yet."
    )
    assert board.mastered == 0 and board.started == 1


def test_the_heatmap_reads_the_states_and_filters_and_exports(site):
    ana, ben, ian = site["ana"], site["ben"], site["ian"]
    answer(ana, "demo-third-q2", keys("demo-third-q2", "Writing the output image")[0])
    answer(ana, "demo-third-q3", keys("demo-third-q3", "The inputs are read", "The program runs"))
    elsewhere = factories.make_user(name="Other", org=factories.make_org())
    answer(elsewhere, "demo-third-q2", keys("demo-third-q2", "Writing the output image")[0])
    framework = competency_maps.pick_framework("mini")
    board = competency_maps.heatmap(ian, framework)
    assert [u.name for u in board.learners] == ["=Ben Formula", "Ana Lopez"]
    assert [c.code for c in board.columns] == ["MINI.A.1", "MINI.A.2", "MINI.A.2.1"]
    sub = board.columns[2]
    assert board.cell(ana, sub).mastered and board.cell(ana, sub).level == 2
    assert board.cell(ben, sub).level is None and board.mastered_by(ana) == 1
    # The course teaches MINI.A.1, MINI.A.2 and (through demo-third) MINI.A.2.1.
    assert len(competency_maps.heatmap(ian, framework, course="demo-course").columns) == 3
    assert competency_maps.heatmap(ian, framework, domain="NOPE").columns == []
    lines = list(csv.reader(io.StringIO(competency_maps.heatmap_csv(board))))
    assert lines[0] == competency_maps.CSV_HEADER
    assert ["Ana Lopez", ana.email, "MINI.A.2.1", "A part of the second skill", "2", "Able",
            "yes", "100", "2", "0"] in lines  # fmt: skip
    assert lines[1][0] == "'=Ben Formula"  # never a formula in a spreadsheet
    assert len(lines) == 1 + 2 * 3


def test_recompute_fills_states_from_existing_evidence(site):
    ana = site["ana"]
    answer(ana, "demo-third-q2", keys("demo-third-q2", "Writing the output image")[0])
    db.session.execute(MasteryState.__table__.delete())
    from app.services import mastery

    assert mastery.recompute([ana.id], now=utcnow()) == 1
    assert state(ana, "MINI.A.2.1").level == 1
