"""follow-ups: the person's answer to check-ins beside the consent, the check-ins sent, re-contacts

Revision ID: 0014_follow_ups
Revises: 0010_delivery
Create Date: 2026-11-30 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_follow_ups'
down_revision = '0016_listing_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_consent', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('follow_up_asked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_of', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_handoff_follow_up_of'), ['follow_up_of'], unique=False)
        batch_op.create_foreign_key('fk_handoff_follow_up_of', 'handoff', ['follow_up_of'], ['id'])
    op.create_table(
        'check_in',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('handoff_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.String(length=1), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('reopened_handoff_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reopened_handoff_id'], ['handoff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('handoff_id', 'round', name='uq_check_in_round'),
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_at'))
        batch_op.drop_index(batch_op.f('ix_check_in_handoff_id'))
    op.drop_table('check_in')
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_constraint('fk_handoff_follow_up_of', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_handoff_follow_up_of'))
        batch_op.drop_column('follow_up_of')
        batch_op.drop_column('follow_up_answered_at')
        batch_op.drop_column('follow_up_asked_at')
        batch_op.drop_column('follow_up_consent')
