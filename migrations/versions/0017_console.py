"""console: staff accounts, the audit log, and answer-deadline misses per hour per Rasa server

Revision ID: 0017_console
Revises: 0010_delivery
Create Date: 2026-11-30 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_console'
down_revision = '0014_follow_ups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_user',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'),
    )
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_table(
        'deadline_miss',
        sa.Column('hour', sa.DateTime(), nullable=False),
        sa.Column('server', sa.String(length=128), nullable=False),
        sa.Column('misses', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'server'),
    )


def downgrade() -> None:
    op.drop_table('deadline_miss')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('console_user')
