"""outbox claims: when an attempt whose outcome is unknown began

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 00:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
    # A row left 'sending' by an older worker may have reached Twilio: look it up before resending.
    op.execute("UPDATE outbox_message SET claimed_at = next_attempt_at WHERE status = 'sending'")


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
