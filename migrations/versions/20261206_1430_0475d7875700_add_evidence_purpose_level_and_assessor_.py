"""add evidence purpose, level and assessor; lab submission course

Evidence says what it is for: practice (formative quizzes, never mastery) or assessment.
Until now every quiz answer was shown straight after with its answer and could be retried
without limit, so existing quiz evidence becomes practice; existing lab grades stay
assessment. Evidence may carry a level (rubric, mentor) instead of a score, and the assessor.

A lab submission records the course it was taken in, so its grade credits that course's
framework only. Existing submissions get the first active course that offers the lab.

Revision ID: 0475d7875700
Revises: 787dd713c21f
Create Date: 2026-12-06 14:30:04.938663

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0475d7875700"
down_revision = "787dd713c21f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("competency_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assessor_id", sa.Integer(), nullable=True))
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_competency_evidence_assessor_id"), ["assessor_id"], unique=False
        )
        batch_op.create_index(
            "ix_competency_evidence_source",
            ["user_id", "source_kind", "source_ref"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_competency_evidence_assessor_id_users"),
            "users",
            ["assessor_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.execute(
        "UPDATE competency_evidence SET purpose = "
        "CASE WHEN source_kind = 'quiz' THEN 'practice' ELSE 'assessment' END"
    )

    with op.batch_alter_table("competency_evidence", schema=None) as batch_op:
        batch_op.alter_column("purpose", existing_type=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint(
            "score_or_level", sa.text("score IS NOT NULL OR level IS NOT NULL")
        )
        batch_op.create_check_constraint(
            "score_range", sa.text("score IS NULL OR (score >= 0 AND score <= 1)")
        )
        batch_op.create_check_constraint(
            "purpose", sa.text("purpose IN ('practice', 'assessment')")
        )

    with op.batch_alter_table("lab_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_lab_submissions_course_id"), ["course_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_lab_submissions_course_id_courses"), "courses", ["course_id"], ["id"]
        )

    _fill_submission_courses()


def _fill_submission_courses():
    """Each existing submission's course: the first active course offering its lab, as the
    lab pages find it (services.courses.lab_lessons)."""
    connection = op.get_bind()
    lessons = connection.execute(
        sa.text(
            "SELECT lessons.course_id, lessons.labs FROM lessons "
            "JOIN courses ON courses.id = lessons.course_id "
            "WHERE lessons.archived_at IS NULL AND courses.archived_at IS NULL "
            "ORDER BY courses.id, lessons.position, lessons.id"
        )
    )
    course_of: dict[str, int] = {}
    for course_id, labs in lessons:
        for lab in (json.loads(labs) if isinstance(labs, str) else labs) or []:
            course_of.setdefault(lab.get("id"), course_id)
    slugs = connection.execute(sa.text("SELECT DISTINCT lab_slug FROM lab_submissions"))
    for (slug,) in list(slugs):
        if slug in course_of:
            connection.execute(
                sa.text("UPDATE lab_submissions SET course_id = :course WHERE lab_slug = :slug"),
                {"course": course_of[slug], "slug": slug},
            )


def downgrade():
    with op.batch_alter_table("lab_submissions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_lab_submissions_course_id_courses"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_lab_submissions_course_id"))
        batch_op.drop_column("course_id")

    # The old schema has a score on every row: evidence with only a level cannot be kept.
    op.execute("DELETE FROM competency_evidence WHERE score IS NULL")
    with op.batch_alter_table("competency_evidence", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_competency_evidence_purpose"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_competency_evidence_score_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_competency_evidence_score_or_level"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_competency_evidence_assessor_id_users"), type_="foreignkey"
        )
        batch_op.drop_index("ix_competency_evidence_source")
        batch_op.drop_index(batch_op.f("ix_competency_evidence_assessor_id"))
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=False)
        batch_op.drop_column("assessor_id")
        batch_op.drop_column("level")
        batch_op.drop_column("purpose")
