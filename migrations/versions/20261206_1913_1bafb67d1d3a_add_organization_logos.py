"""add organization logos

Revision ID: 1bafb67d1d3a
Revises: c9386b48b1e2
Create Date: 2026-12-06 19:13:20.922067

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1bafb67d1d3a"
down_revision = "c9386b48b1e2"
branch_labels = None
depends_on = None


def upgrade():
    # Both nullable, no server default: existing organizations have no logo.
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_png", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("logo_updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("logo_updated_at")
        batch_op.drop_column("logo_png")
