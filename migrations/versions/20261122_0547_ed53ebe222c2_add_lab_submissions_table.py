"""add lab_submissions table

Revision ID: ed53ebe222c2
Revises: 52149868b6bf
Create Date: 2026-11-22 05:47:06.398633

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ed53ebe222c2'
down_revision = '52149868b6bf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lab_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('lab_slug', sa.String(length=100), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('notebook', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('maximum', sa.Float(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lab_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_submissions'))
    )
    with op.batch_alter_table('lab_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_submissions_lab_slug'), ['lab_slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_submissions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_submissions_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lab_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_lab_submissions_status'))
        batch_op.drop_index(batch_op.f('ix_lab_submissions_lab_slug'))

    op.drop_table('lab_submissions')
