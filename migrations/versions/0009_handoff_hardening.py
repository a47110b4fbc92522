"""handoff hardening: a specialist off call by text (OFF, or STOP), on top of their roster hours

Revision ID: 0009_handoff_hardening
Revises: 0012_ops
Create Date: 2026-11-29 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_handoff_hardening'
down_revision = '0012_ops'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('specialist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('off_call', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('off_call_since', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('specialist', schema=None) as batch_op:
        batch_op.drop_column('off_call_since')
        batch_op.drop_column('off_call')
