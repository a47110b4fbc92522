"""opt-outs: which secret key each was recorded under (hub keys rotate)

Revision ID: 0012_ops
Revises: 0007
Create Date: 2026-11-29 22:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_ops'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('opt_out', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_opt_out_key_id'), ['key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opt_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opt_out_key_id'))
        batch_op.drop_column('key_id')
