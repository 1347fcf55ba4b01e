"""add assessments and prior_learning_claims tables

Revision ID: cdbe0a21b49b
Revises: ec5fb3175cd9
Create Date: 2026-12-06 15:14:37.011285

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "cdbe0a21b49b"
down_revision = "ec5fb3175cd9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "prior_learning_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected', 'withdrawn')",
            name=op.f("ck_prior_learning_claims_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_prior_learning_claims_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_prior_learning_claims_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_prior_learning_claims_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_prior_learning_claims_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prior_learning_claims")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_prior_learning_claims_stored_name")),
    )
    with op.batch_alter_table("prior_learning_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prior_learning_claims_competency_id"), ["competency_id"], unique=False
        )
        batch_op.create_index(
            "ix_prior_learning_claims_learner_status", ["learner_id", "status"], unique=False
        )

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=True),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('rubric', 'observation')", name=op.f("ck_assessments_known_kind")
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 1)", name=op.f("ck_assessments_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_assessments_apprenticeship_id_apprenticeships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["users.id"],
            name=op.f("fk_assessments_assessor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_assessments_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_assessments_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessments_assessor_id"), ["assessor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessments_competency_id"), ["competency_id"], unique=False
        )
        batch_op.create_index(
            "ix_assessments_learner_competency", ["learner_id", "competency_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_learner_competency")
        batch_op.drop_index(batch_op.f("ix_assessments_competency_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_assessor_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_apprenticeship_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("prior_learning_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_prior_learning_claims_learner_status")
        batch_op.drop_index(batch_op.f("ix_prior_learning_claims_competency_id"))

    op.drop_table("prior_learning_claims")
