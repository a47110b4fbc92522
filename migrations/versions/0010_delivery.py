"""delivery: claim tokens, delivery receipts, the alert's handoff, worker heartbeats, operator alarms

Revision ID: 0010_delivery
Revises: 0011_privacy
Create Date: 2026-11-29 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_delivery'
down_revision = '0011_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('handoff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('delivery_error_code', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('delivery_updated_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index('ix_outbox_delivery', ['delivery_status', 'created_at'], unique=False)
    op.create_table(
        'worker_heartbeat',
        sa.Column('worker', sa.String(length=128), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('worker'),
    )
    op.create_table(
        'operator_alarm',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('operator_alarm')
    op.drop_table('worker_heartbeat')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_delivery')
        batch_op.drop_index(batch_op.f('ix_outbox_message_handoff_id'))
        batch_op.drop_column('delivery_updated_at')
        batch_op.drop_column('delivery_error_code')
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('handoff_id')
        batch_op.drop_column('claim_token')
