"""Which committed change moves which version (what keeps cached pages true)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.database import utcnow
from app.extensions import db
from app.models import Lesson, LessonCompletion, Organization, PageVersion, User
from app.services import login_sessions, page_versions
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


def versions() -> dict[str, int]:
    db.session.rollback()  # read what is committed now
    return dict(db.session.execute(select(PageVersion.scope, PageVersion.version)).all())


def moved(before: dict[str, int]) -> set[str]:
    after = versions()
    return {scope for scope, n in after.items() if before.get(scope, 0) != n}


def test_a_learners_own_progress_moves_only_their_version(app, ctx):
    sync_tree(FIXTURE_CURRICULA / "good")
    user = factories.make_user()
    db.session.commit()
    before = versions()
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "demo-first"))
    db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id))
    db.session.commit()
    assert moved(before) == {page_versions.user_scope(user.id)}


def test_shared_data_moves_the_sites_version(app, ctx):
    before = versions()
    factories.make_org()
    db.session.commit()
    assert moved(before) == {page_versions.SITE}
    before = versions()
    db.session.scalar(select(Organization)).name = "Renamed College"
    db.session.commit()
    assert moved(before) == {page_versions.SITE}


def test_a_bulk_statement_moves_the_sites_version(app, ctx):
    user = factories.make_user()
    db.session.commit()
    before = versions()
    db.session.execute(update(User).where(User.id == user.id).values(name="Bulk"))
    db.session.commit()
    assert page_versions.SITE in moved(before)


def test_sessions_starting_and_ending_move_nothing(app, ctx):
    user = factories.make_user()
    db.session.commit()
    before = versions()
    key = login_sessions.start(user, now=utcnow(), lifetime=timedelta(days=1))
    db.session.commit()
    login_sessions.end(key)
    db.session.commit()
    assert moved(before) == set()


def test_a_rolled_back_change_moves_nothing(app, ctx):
    user = factories.make_user()
    db.session.commit()
    before = versions()
    user.name = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert moved(before) == set()


def test_every_change_of_a_commit_moves_each_scope_once(app, ctx):
    ana, ben = factories.make_user(), factories.make_user()
    db.session.commit()
    before = versions()
    ana.name, ben.name = "Ana 2", "Ben 2"
    db.session.flush()
    ana.name = "Ana 3"
    db.session.commit()
    after = versions()
    for user in (ana, ben):
        scope = page_versions.user_scope(user.id)
        assert after[scope] == before.get(scope, 0) + 1


def test_a_commit_and_its_versions_need_one_connection_and_move_together(make_app):
    """With one connection in the pool and no overflow, a commit still moves its versions
    (they are written in its own transaction), and rolling back moves neither."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 2})
    with app.app_context():
        before = versions()
        org = factories.make_org()
        db.session.commit()  # waited 2 s for a second connection, then failed, before
        assert moved(before) == {page_versions.SITE}
        before = versions()
        org.name = "Renamed, then rolled back"
        db.session.flush()
        db.session.rollback()
        assert moved(before) == set()
