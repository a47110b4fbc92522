"""console sessions: account ids never given twice, a per-account session secret, and server-side
sessions that Sign out forgets (review 5 and 7)

console_user is rebuilt on SQLite with AUTOINCREMENT, so that a removed account's id is never given
to a new one (PostgreSQL's sequence never gives an id twice; there nothing is rebuilt). Each account
gets a random session_secret, which its cookies carry. console_session holds the id of every
signed-in session; sessions from before this revision name no such row and end (everyone signs in
again once).

Revision ID: 0018_console_sessions
Revises: 0015_area_alerts
Create Date: 2026-12-07 02:15:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0018_console_sessions'
down_revision = '0015_area_alerts'
branch_labels = None
depends_on = None


def _recreate() -> str:
    # Only SQLite needs the table rebuilt (for AUTOINCREMENT); PostgreSQL alters it in place, and
    # keeps its sequence.
    return 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'


def upgrade() -> None:
    with op.batch_alter_table('console_user', recreate=_recreate(), table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('session_secret', sa.String(length=64), nullable=True))
    users = sa.table('console_user', sa.column('id', sa.Integer()), sa.column('session_secret', sa.String()))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_secret=secrets.token_urlsafe(32)))
    # (a second rebuild on SQLite: it must keep AUTOINCREMENT, which reflection does not see)
    with op.batch_alter_table('console_user', recreate=_recreate(), table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('session_secret', existing_type=sa.String(length=64), nullable=False)
    op.create_table(
        'console_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['console_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_console_session_user_id'), 'console_session', ['user_id'], unique=False)
    op.create_index(op.f('ix_console_session_created_at'), 'console_session', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_console_session_created_at'), table_name='console_session')
    op.drop_index(op.f('ix_console_session_user_id'), table_name='console_session')
    op.drop_table('console_session')
    with op.batch_alter_table('console_user', recreate=_recreate()) as batch_op:
        batch_op.drop_column('session_secret')
