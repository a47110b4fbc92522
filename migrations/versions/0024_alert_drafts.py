"""alert drafts (issue 35): an area alert a spike drafted waits, as a draft, for a person's SEND

Revision ID: 0024_alert_drafts
Revises: 0023_send_slots
Create Date: 2026-12-08 00:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_alert_drafts'
down_revision = '0023_send_slots'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('area_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=8), server_default='sent', nullable=False))
        batch_op.add_column(sa.Column('spike_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_by', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('area_alert', schema=None) as batch_op:
        batch_op.drop_column('sent_by')
        batch_op.drop_column('spike_id')
        batch_op.drop_column('status')
