"""Achievements in the database: loaded by the sync, and each learner judged from their record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.content import validate
from app.content.achievement_rules import LabRule
from app.database import utcnow
from app.domain.achievements import CompetencyFact, CourseFact
from app.extensions import db
from app.models import (
    Achievement,
    Apprenticeship,
    Competency,
    LabSubmission,
    Lesson,
    LessonCompletion,
    MasteryState,
    OjlEntry,
)
from app.services import achievements, curriculum_sync, demo, programs
from tests import badge_trees, factories
from tests.badge_trees import GOOD, SIMPLE

TODAY = date(2026, 12, 6)


@pytest.fixture
def tree(tmp_path):
    root = badge_trees.build(tmp_path)
    (root.parent / "badges/demo.yml").write_text(GOOD)
    return root


def sync(root) -> curriculum_sync.Report:
    curriculum, problems = validate.load(root, labs_root=root.parent / "labs")
    assert problems.errors == [], problems.errors
    report = curriculum_sync.sync(curriculum, version="v1", now=utcnow())
    db.session.commit()
    return report


def row(slug: str) -> Achievement:
    return db.session.scalar(select(Achievement).where(Achievement.slug == slug))


def test_sync_loads_achievements_then_changes_nothing(ctx, tree):
    first = sync(tree)
    assert first.of("achievements").added == ["demo-badge"]
    found = row("demo-badge")
    assert (found.name, found.achievement_type, found.valid_for) == ("Demo Badge", "Badge", "P2Y6M")
    assert found.issuers == ["lakeshore-cc", "carver-state"]
    assert found.instructor_approval and found.artwork == "plain"
    assert found.content_version == "v1"
    assert found.criteria["narrative"] == "Do the demo course and its lab."
    assert found.criteria["rules"][0] == {
        "kind": "mastery",
        "framework": "mini",
        "codes": ["MINI.A.1", "MINI.A.2"],
        "level": 2,
        "level_title": "Able",
    }
    competency = db.session.scalar(select(Competency).where(Competency.code == "MINI.A.1"))
    assert found.alignments[0]["uuid"] == competency.uuid
    assert LabRule("lab-demo", 75.0) in achievements.rules_of(found)
    second = sync(tree)
    assert second.of("achievements").unchanged == 1 and not second.changed_anything


def test_a_removed_file_archives_its_achievement_and_bringing_it_back_restores_it(ctx, tree):
    sync(tree)
    badge = tree.parent / "badges/demo.yml"
    badge.unlink()
    assert sync(tree).of("achievements").archived == ["demo-badge"]
    assert row("demo-badge").archived_at is not None
    assert achievements.current() == []
    badge.write_text(GOOD.replace("name: Demo Badge", "name: Demo Badge II"))
    assert sync(tree).of("achievements").changed == ["demo-badge"]
    assert row("demo-badge").archived_at is None
    assert row("demo-badge").name == "Demo Badge II"


def test_a_badge_error_stops_the_whole_sync(app, runner, tree):
    (tree.parent / "badges/demo.yml").write_text(GOOD.replace("type: Badge", "type: Bagde"))
    result = runner.invoke(args=["curriculum", "sync", str(tree)])
    assert result.exit_code == 1
    assert "badges/demo.yml:4:7: E-BADGE-TYPE" in result.output
    with app.app_context():
        assert db.session.scalars(select(Achievement)).all() == []


def record(user, tree) -> None:
    """A learner with some of everything: mastery, lessons, lab scores and OJL hours."""
    code = {c.code: c.id for c in db.session.scalars(select(Competency))}
    for competency, level, mastered in (("MINI.A.1", 2, True), ("MINI.A.2", 1, False)):
        db.session.add(
            MasteryState(
                user_id=user.id, competency_id=code[competency], level=level,
                mastered=mastered, value=0.9, assessed=1, practised=0, updated_at=utcnow(),
            )
        )  # fmt: skip
    first = db.session.scalar(select(Lesson).where(Lesson.slug == "demo-first"))
    db.session.add(LessonCompletion(user_id=user.id, lesson_id=first.id, completed_at=utcnow()))
    for status, total in (("graded", 6.0), ("graded", 9.0), ("queued", 10.0), ("failed", 10.0)):
        db.session.add(
            LabSubmission(
                user_id=user.id, lab_slug="lab-demo", seed=1, notebook="{}", status=status,
                total=total if status == "graded" else None, maximum=10.0,
            )
        )  # fmt: skip
    enrolment = Apprenticeship(
        apprentice_id=user.id, program_id="demo-program", start_date=date(2026, 1, 5)
    )
    db.session.add(enrolment)
    db.session.flush()
    days = (date(2026, 2, 1) + timedelta(days=n) for n in range(200))
    for process, hours, status in (("first", 810, "approved"), ("second", 50, "pending")):
        for _ in range(hours // 10):  # ten hours a day
            db.session.add(
                OjlEntry(
                    apprenticeship_id=enrolment.id, work_date=next(days), minutes=600,
                    work_process=process, competencies=[], description="Work.", status=status,
                    created_at=datetime(2026, 6, 1, tzinfo=UTC),
                )
            )  # fmt: skip
    db.session.commit()


def test_facts_gather_mastery_lessons_best_lab_score_and_standing(ctx, tree):
    sync(tree)
    user = factories.make_user()
    record(user, tree)
    facts = achievements.facts_for(user, today=TODAY, catalog=programs.catalog(tree))
    assert facts.competencies[("mini", "MINI.A.1")] == CompetencyFact(2, True)
    assert facts.competencies[("mini", "MINI.A.2")] == CompetencyFact(1, False)
    assert facts.courses == {"demo-course": CourseFact(completed=1, lessons=3)}
    assert facts.labs == {"lab-demo": 90.0}  # the best graded score; queued and failed ignored
    standing = facts.apprenticeships["demo-program"]
    assert not standing.in_probation  # three months from 2026-01-05
    assert standing.processes["first"].hours == 810  # approved only
    assert standing.processes["second"].hours == 0
    assert standing.processes["first"].missing == ()  # MINI.A.1 is mastered
    assert standing.processes["first"].complete
    assert not standing.complete


def test_another_learner_shares_nothing(ctx, tree):
    sync(tree)
    record(factories.make_user(), tree)
    other = factories.make_user()
    facts = achievements.facts_for(other, today=TODAY, catalog=programs.catalog(tree))
    assert (facts.competencies, facts.labs, facts.apprenticeships) == ({}, {}, {})
    assert facts.courses == {"demo-course": CourseFact(0, 3)}


def test_progress_lists_met_achievements_first_then_the_closest(ctx, tree):
    badges = tree.parent / "badges"
    (badges / "demo.yml").unlink()
    (badges / "easy.yml").write_text(SIMPLE.format(id="easy", name="Easy", score=50))
    (badges / "hard.yml").write_text(SIMPLE.format(id="hard", name="Hard", score=95))
    (badges / "full.yml").write_text(GOOD)
    sync(tree)
    user = factories.make_user()
    record(user, tree)
    found = achievements.progress_of(user, today=TODAY, curriculum_root=tree)
    assert [s.achievement.slug for s in found] == ["easy", "hard", "demo-badge"]
    assert [s.met for s in found] == [True, False, False]
    (lab,) = found[1].evaluation.rules
    assert lab.missing == "score at least 95 % in the lab “A demo lab” (best so far 90 %)"
    missing = [r.missing for r in found[2].evaluation.rules if not r.met]
    assert missing[:2] == [
        "reach Able in MINI.A.2 (Second skill; now Aware)",
        "master MINI.A.2.1 (A part of the second skill; not yet)",
    ]
    # 50 % of 3 lessons is 1.5: two are needed.
    assert "complete 1 more lesson of Demo Course (50 % of the lessons needed)" in missing
    done = [r.done for r in found[2].evaluation.rules if r.met]
    assert done == [
        "best graded score in “A demo lab”: 90 %",
        "810 hours approved in “First process”",
        "probation in “Demo Technician” completed",
    ]


def test_cli_validate_sync_and_progress(make_app, tree):
    app = make_app(
        CURRICULUM_ROOT=str(tree),
        LABS_ROOT=str(tree.parent / "labs"),
        BADGES_ROOT=str(tree.parent / "badges"),
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["badges", "validate"])
    assert result.exit_code == 0, result.output
    assert "1 achievements: 0 errors" in result.output
    assert "Note: no organization yet for issuer carver-state, lakeshore-cc" in result.output
    with app.app_context():
        factories.make_org(slug="lakeshore-cc")
        factories.make_org(slug="carver-state")
        db.session.commit()
    assert "Note" not in runner.invoke(args=["badges", "validate"]).output
    synced = runner.invoke(args=["badges", "sync", "--dry-run"])
    assert "+ demo-badge" in synced.output and "Dry run" in synced.output
    assert runner.invoke(args=["curriculum", "sync"]).exit_code == 0
    again = runner.invoke(args=["badges", "sync"])
    assert "Already up to date." in again.output
    with app.app_context():
        user = factories.make_user(email="ana@shopfloor.example")
        record(user, tree)
    shown = runner.invoke(args=["badges", "progress", "ana@shopfloor.example"])
    assert shown.exit_code == 0, shown.output
    assert "demo-badge  Demo Badge  [" in shown.output
    assert "✓ best graded score in “A demo lab”: 90 %" in shown.output
    missing = runner.invoke(args=["badges", "progress", "nobody@shopfloor.example"])
    assert missing.exit_code == 1 and "No account" in missing.output


def test_cli_validate_prints_located_problems(make_app, tree):
    (tree.parent / "badges/demo.yml").write_text(GOOD.replace("P2Y6M", "three years"))
    app = make_app(
        CURRICULUM_ROOT=str(tree),
        LABS_ROOT=str(tree.parent / "labs"),
        BADGES_ROOT=str(tree.parent / "badges"),
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["badges", "validate"])
    assert result.exit_code == 1
    assert "badges/demo.yml:29:12: E-BADGE-DURATION valid_for 'three years'" in result.output
    curriculum = runner.invoke(args=["curriculum", "validate"])
    assert curriculum.exit_code == 1 and "E-BADGE-DURATION" in curriculum.output
    refused = runner.invoke(args=["badges", "sync"])
    assert refused.exit_code == 1 and "nothing was changed" in refused.output


def test_the_demo_apprentice_of_make_run_sees_every_shipped_achievement_and_its_gaps(ctx):
    """`make run` loads the shipped badges with the curriculum; the demo apprentice is close
    to none of them yet, and each names what is missing."""
    root = badge_trees.REPO / "curricula"
    curriculum, problems = validate.load(root, labs_root=badge_trees.REPO / "labs")
    assert problems.errors == []
    curriculum_sync.sync(curriculum, version="test", now=utcnow())
    demo.seed(now=utcnow())
    demo.seed_apprenticeship(curriculum_root=root, today=TODAY, now=utcnow())
    db.session.commit()
    assert achievements.unknown_issuers(["lakeshore-cc", "carver-state"]) == []
    apprentice = next(u for u in demo.demo_accounts() if u.role.value == "apprentice")
    found = achievements.progress_of(apprentice, today=TODAY, curriculum_root=root)
    assert len(found) == len(curriculum.achievements) >= 9
    assert not any(s.met for s in found)
    assert all(s.evaluation.missing for s in found)
    probation = next(s for s in found if s.achievement.slug == "smt-probation-complete")
    (rule,) = probation.evaluation.rules
    assert rule.missing.endswith("of approved on-the-job learning to end probation")
    assert found[0].achievement.slug == "smt-probation-complete"  # the closest comes first
