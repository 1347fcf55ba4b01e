"""Sync: idempotent, keyed by stable ids, archiving instead of deleting, keeping progress."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.content import confined, validate
from app.database import utcnow
from app.extensions import db
from app.models import Course, CourseAsset, Lesson, LessonCompletion, Question, QuizAttempt
from app.services import curriculum_sync
from tests import factories
from tests.conftest import FIXTURE_CURRICULA


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    return root


def sync(root: Path) -> curriculum_sync.Report:
    curriculum, problems = validate.load(root, labs_root=root / "no-labs")
    assert problems.errors == []
    report = curriculum_sync.sync(curriculum, version="v", now=utcnow())
    db.session.commit()
    return report


def lesson(slug: str) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def test_first_sync_adds_everything_and_second_changes_nothing(ctx, tree):
    first = sync(tree)
    assert first.of("lessons").added == ["demo-first", "demo-second", "demo-third"]
    assert len(first.of("questions").added) == 6
    assert first.of("competencies").added == ["MINI.A", "MINI.A.1", "MINI.A.2", "MINI.A.2.1"]
    second = sync(tree)
    assert not second.changed_anything
    assert second.of("lessons").unchanged == 3


def test_changed_lesson_keeps_its_learners_progress(ctx, tree):
    sync(tree)
    user = factories.make_user()
    first = lesson("demo-first")
    db.session.add(LessonCompletion(user_id=user.id, lesson_id=first.id, completed_at=utcnow()))
    db.session.commit()
    path = tree / "demo-course/m1-basics/01-first.md"
    path.write_text(path.read_text().replace("many times a second", "over and over"))
    report = sync(tree)
    assert report.of("lessons").changed == ["demo-first"]
    assert lesson("demo-first").id == first.id
    assert "over and over" in lesson("demo-first").source
    assert db.session.query(LessonCompletion).filter_by(lesson_id=first.id).count() == 1


def test_renamed_file_with_the_same_id_is_the_same_lesson(ctx, tree):
    sync(tree)
    before = lesson("demo-third").id
    folder = tree / "demo-course/m2-more"
    (folder / "01-third.md").rename(folder / "01-renamed.md")
    for path in (folder / "module.yml", tree / "demo-course/m1-basics/01-first.md"):
        path.write_text(path.read_text().replace("01-third.md", "01-renamed.md"))
    report = sync(tree)
    assert report.of("lessons").added == [] and report.of("lessons").archived == []
    assert lesson("demo-third").id == before
    assert lesson("demo-third").path == "m2-more/01-renamed.md"


def test_removed_lesson_is_archived_with_its_history(ctx, tree):
    sync(tree)
    user = factories.make_user()
    third = lesson("demo-third")
    question = db.session.scalar(select(Question).where(Question.slug == "demo-third-q1"))
    db.session.add(
        QuizAttempt(
            user_id=user.id,
            question_id=question.id,
            answer=[],
            correct=False,
            score=0,
            content_version="v",
            created_at=utcnow(),
        )
    )
    db.session.commit()
    module = tree / "demo-course/m2-more/module.yml"
    module.write_text(module.read_text().replace("lessons:\n  - 01-third.md\n", "lessons: []\n"))
    (tree / "demo-course/m2-more/01-third.md").unlink()
    linking = tree / "demo-course/m1-basics/01-first.md"
    linking.write_text(linking.read_text().replace(" and [the third](../m2-more/01-third.md)", ""))
    report = sync(tree)
    assert report.of("lessons").archived == ["demo-third"]
    assert report.of("questions").archived == ["demo-third-q1", "demo-third-q2", "demo-third-q3"]
    assert lesson("demo-third").archived_at is not None
    assert db.session.query(QuizAttempt).count() == 1
    # Putting it back brings back the same lesson.
    shutil.copy(
        FIXTURE_CURRICULA / "good/demo-course/m2-more/01-third.md", tree / "demo-course/m2-more/"
    )
    shutil.copy(FIXTURE_CURRICULA / "good/demo-course/m2-more/module.yml", module)
    assert "demo-third" in sync(tree).of("lessons").changed
    assert lesson("demo-third").id == third.id and lesson("demo-third").archived_at is None


def test_removed_course_is_archived(ctx, tree):
    sync(tree)
    shutil.rmtree(tree / "demo-course")
    assert sync(tree).of("courses").archived == ["demo-course"]
    assert db.session.scalar(select(Course)).archived_at is not None


def test_cli_sync_refuses_a_broken_tree_and_changes_nothing(app, runner):
    result = runner.invoke(args=["curriculum", "sync", str(FIXTURE_CURRICULA / "broken")])
    assert result.exit_code == 1
    assert "errors: nothing was changed" in result.output
    with app.app_context():
        assert db.session.query(Course).count() == 0


def test_cli_sync_is_all_or_nothing_when_it_fails_midway(app, runner, monkeypatch):
    def explode(*args, **kwargs):
        raise OSError("disk vanished")

    monkeypatch.setattr(curriculum_sync, "_assets", explode)
    result = runner.invoke(args=["curriculum", "sync", str(FIXTURE_CURRICULA / "good")])
    assert result.exit_code != 0
    with app.app_context():
        db.session.rollback()
        assert db.session.query(Lesson).count() == 0


def test_cli_sync_and_dry_run(app, runner):
    dry = runner.invoke(args=["curriculum", "sync", "--dry-run", str(FIXTURE_CURRICULA / "good")])
    assert dry.exit_code == 0 and "Dry run: nothing was changed." in dry.output
    with app.app_context():
        assert db.session.query(Lesson).count() == 0
    real = runner.invoke(args=["curriculum", "sync", str(FIXTURE_CURRICULA / "good")])
    assert "+ demo-first" in real.output and "Synced." in real.output
    again = runner.invoke(args=["curriculum", "sync", str(FIXTURE_CURRICULA / "good")])
    assert "Already up to date." in again.output


def test_cli_validate_exit_status(runner):
    bad = runner.invoke(args=["curriculum", "validate", str(FIXTURE_CURRICULA / "broken")])
    assert bad.exit_code == 1
    assert "course-a/m1/a.md:1:1: E-FRONT-MATTER" in bad.output
    good = runner.invoke(
        args=[
            "curriculum",
            "validate",
            "--ignore",
            "W-LAB-PLANNED",
            "--ignore",
            "W-COURSE-HOURS",
            str(FIXTURE_CURRICULA / "good"),
        ]
    )
    assert good.exit_code == 0
    assert "W-LAB-PLANNED" not in good.output and "0 errors, 0 warnings" in good.output


def test_sync_reads_each_asset_again_and_refuses_one_that_became_a_link(ctx, tree, tmp_path):
    """Between validation and sync a figure is swapped for a link: nothing of it is stored."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SHOPFLOOR_SECRET_KEY=leaked")
    curriculum, problems = validate.load(tree, labs_root=tree / "no-labs")
    assert problems.errors == []
    figure = tree / "demo-course/assets/dot.svg"
    figure.unlink()
    figure.symlink_to(secret)
    with pytest.raises(confined.Refused, match="is a symbolic link"):
        curriculum_sync.sync(curriculum, version="v", now=utcnow())
    db.session.rollback()
    assert db.session.query(CourseAsset).count() == 0


def test_cli_sync_refuses_links_and_stores_nothing(app, runner, tree, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SHOPFLOOR_SECRET_KEY=leaked")
    (tree / "demo-course/assets/env.png").symlink_to(secret)
    validated = runner.invoke(args=["curriculum", "validate", str(tree)])
    assert validated.exit_code == 1
    assert "demo-course/assets/env.png:1:1: E-SYMLINK 'env.png' is a symbolic link" in (
        validated.output
    )
    synced = runner.invoke(args=["curriculum", "sync", str(tree)])
    assert synced.exit_code == 1 and "errors: nothing was changed" in synced.output
    assert "E-SYMLINK" in synced.output
    with app.app_context():
        assert db.session.query(Course).count() == 0
        assert db.session.query(CourseAsset).count() == 0


def test_cli_sync_refuses_an_absolute_lesson_path_without_a_traceback(app, runner, tree):
    module = tree / "demo-course/m1-basics/module.yml"
    module.write_text(module.read_text().replace("02-second.md", "/etc/passwd"))
    for command in ("validate", "sync"):
        result = runner.invoke(args=["curriculum", command, str(tree)])
        assert result.exit_code == 1
        assert isinstance(result.exception, SystemExit), result.exception  # no traceback
        assert "m1-basics/module.yml:9:5: E-UNSAFE-PATH '/etc/passwd' is an absolute path" in (
            result.output
        )
