"""publisher values (issue 32): a service's ages served, and a location outside the US, kept but
never offered by ZIP

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
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outside_us', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('outside_us')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('maximum_age')
        batch_op.drop_column('minimum_age')
