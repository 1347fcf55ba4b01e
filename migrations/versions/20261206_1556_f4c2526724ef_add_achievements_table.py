"""add achievements table

Revision ID: f4c2526724ef
Revises: 675e866deeaf
Create Date: 2026-12-06 15:56:05.971787

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f4c2526724ef"
down_revision = "675e866deeaf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "achievements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("alignments", sa.JSON(), nullable=False),
        sa.Column("issuers", sa.JSON(), nullable=False),
        sa.Column("instructor_approval", sa.Boolean(), nullable=False),
        sa.Column("valid_for", sa.String(length=32), nullable=False),
        sa.Column("artwork", sa.String(length=64), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("content_version", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
        sa.UniqueConstraint("slug", name=op.f("uq_achievements_slug")),
    )


def downgrade():
    op.drop_table("achievements")
