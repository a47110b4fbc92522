"""signals and spikes (issue 35): hourly counts of overdose texts and bad-batch reports by area,
the hour's tokens that count a texter once, and the spikes found in them

Revision ID: 0022_signals_and_spikes
Revises: 0021_clock_jobs
Create Date: 2026-12-08 00:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_signals_and_spikes'
down_revision = '0021_clock_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signal_count',
        sa.Column('hour', sa.DateTime(), nullable=False),
        sa.Column('area', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'area', 'kind'),
    )
    op.create_table(
        'signal_seen',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('hour', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token'),
    )
    with op.batch_alter_table('signal_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_seen_hour'), ['hour'], unique=False)
    op.create_table(
        'spike',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('area', sa.String(length=16), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=False),
        sa.Column('longitude', sa.Float(), nullable=False),
        sa.Column('detected_at', sa.DateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('baseline', sa.Float(), nullable=False),
        sa.Column('kinds', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('spike', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spike_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_spike_detected_at'), ['detected_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('spike', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spike_detected_at'))
        batch_op.drop_index(batch_op.f('ix_spike_area'))
    op.drop_table('spike')
    with op.batch_alter_table('signal_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_seen_hour'))
    op.drop_table('signal_seen')
    op.drop_table('signal_count')
