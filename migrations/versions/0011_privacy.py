"""officer PINs for the voice line, and the calls in which an officer was verified

Revision ID: 0011_privacy
Revises: 0009_handoff_hardening
Create Date: 2026-11-29 22:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_privacy'
down_revision = '0009_handoff_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pin_failures', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'officer_call',
        sa.Column('call_sid', sa.String(length=64), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('verified_by', sa.String(length=16), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], ),
        sa.PrimaryKeyConstraint('call_sid'),
    )
    with op.batch_alter_table('officer_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_call_verified_at'), ['verified_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('officer_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_call_verified_at'))
    op.drop_table('officer_call')
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_column('pin_failures')
        batch_op.drop_column('pin_hash')
