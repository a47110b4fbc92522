"""check-in consent: a reply of 2 ("not yet") is answered with the consent question, and this
holds the question's state until the person's yes or no

Revision ID: 0019_check_in_consent
Revises: 0018_console_sessions
Create Date: 2026-12-07 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_check_in_consent'
down_revision = '0018_console_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent', sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_column('consent')
