"""``flask mastery recompute`` fills the kept states from existing evidence."""

from __future__ import annotations

from sqlalchemy import func, select

from app.database import utcnow
from app.domain.evidence import ASSESSMENT
from app.extensions import db
from app.models import Framework, MasteryEvent, MasteryState
from app.services import evidence
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


def test_recompute_fills_states_and_records_levels(app, runner):
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        learner = factories.make_user()
        framework = db.session.scalar(select(Framework).where(Framework.slug == "mini"))
        evidence.record(learner.id, ["MINI.A.1"], framework_id=framework.id, source_kind="lab",
                        source_ref="lab-x#attempt-1", purpose=ASSESSMENT, score=0.9,
                        content_version="t", now=utcnow())  # fmt: skip
        db.session.execute(MasteryState.__table__.delete())
        db.session.execute(MasteryEvent.__table__.delete())
        db.session.commit()
    dry = runner.invoke(args=["mastery", "recompute", "--dry-run"])
    assert dry.exit_code == 0 and "would recompute 1 competencies of 1 learners" in dry.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MasteryState)) == 0
    done = runner.invoke(args=["mastery", "recompute"])
    assert done.exit_code == 0 and "recomputed 1 competencies of 1 learners" in done.output
    with app.app_context():
        [state] = db.session.scalars(select(MasteryState))
        assert (state.level, state.mastered) == (2, True)
        assert db.session.scalar(select(func.count()).select_from(MasteryEvent)) == 1
