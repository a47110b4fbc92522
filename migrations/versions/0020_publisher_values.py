"""directories the world publishes (issue 32): a service's ages served; a location outside the US,
kept but never offered by ZIP; the feed a service came from and since when it is missing from it;
and each refresh from a feed

Revision ID: 0020_publisher_values
Revises: 0019_check_in_consent
Create Date: 2026-12-07 23:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_publisher_values'
down_revision = '0019_check_in_consent'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minimum_age', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('maximum_age', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('feed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('missing_since', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_service_feed'), ['feed'], unique=False)
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outside_us', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'directory_refresh',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed', sa.Text(), nullable=False),
        sa.Column('claim', sa.String(length=255), nullable=True),
        sa.Column('by', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('services', sa.Integer(), nullable=True),
        sa.Column('new', sa.Integer(), nullable=True),
        sa.Column('updated', sa.Integer(), nullable=True),
        sa.Column('made_inactive', sa.Integer(), nullable=True),
        sa.Column('restored', sa.Integer(), nullable=True),
        sa.Column('warnings', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('claim'),
    )
    with op.batch_alter_table('directory_refresh', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_refresh_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('directory_refresh', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_refresh_started_at'))
    op.drop_table('directory_refresh')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('outside_us')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_feed'))
        batch_op.drop_column('missing_since')
        batch_op.drop_column('feed')
        batch_op.drop_column('maximum_age')
        batch_op.drop_column('minimum_age')
