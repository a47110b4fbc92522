"""clock jobs: whose turn each of the worker's clock jobs is, so that two workers run one at a time
and a job with an interval once an interval across them (issue 33)

Revision ID: 0021_clock_jobs
Revises: 0020_publisher_values
Create Date: 2026-12-07 23:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_clock_jobs'
down_revision = '0020_publisher_values'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'clock_job',
        sa.Column('job', sa.String(length=32), nullable=False),
        sa.Column('holder', sa.String(length=128), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('job'),
    )


def downgrade() -> None:
    op.drop_table('clock_job')
