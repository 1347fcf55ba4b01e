"""add withdrawal to assessments

Revision ID: 675e866deeaf
Revises: cdbe0a21b49b
Create Date: 2026-12-06 15:39:52.321972

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "675e866deeaf"
down_revision = "cdbe0a21b49b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        # Rows already there were never withdrawn: an empty reason.
        batch_op.add_column(
            sa.Column("withdrawn_reason", sa.String(length=1000), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_withdrawn_by_id_users"),
            "users",
            ["withdrawn_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_assessments_withdrawn_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
