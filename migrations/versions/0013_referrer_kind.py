"""referrer kind: police, EMS or fire crews as referrers (issue 18)

Revision ID: 0013_referrer_kind
Revises: 0010_delivery
Create Date: 2026-11-30 01:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_referrer_kind'
down_revision = '0010_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Everyone registered before kinds existed was a police officer.
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), nullable=False, server_default='police'))


def downgrade() -> None:
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_column('kind')
