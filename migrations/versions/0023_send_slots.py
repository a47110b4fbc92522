"""send slots (issue 33): each hotline number's next free send time, so that HUB_SEND_RATE is the
number's rate shared by every worker, not each worker's own

Revision ID: 0023_send_slots
Revises: 0022_signals_and_spikes
Create Date: 2026-12-08 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_send_slots'
down_revision = '0022_signals_and_spikes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'send_slot',
        sa.Column('from_number', sa.String(length=20), nullable=False),
        sa.Column('next_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('from_number'),
    )


def downgrade() -> None:
    op.drop_table('send_slot')
