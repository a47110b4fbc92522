"""contact numbers: phone numbers written in messages, kept out of Rasa

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_number',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('contact_number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_number_seen_at'), ['seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_number', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_number_seen_at'))
    op.drop_table('contact_number')
