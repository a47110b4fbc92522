"""area alerts: subscriptions by area, the alerts sent, anonymous reports of a bad batch

Revision ID: 0015_area_alerts
Revises: 0010_delivery
Create Date: 2026-11-30 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_area_alerts'
down_revision = '0017_console'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert_subscription',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('number_key', sa.String(length=64), nullable=False),
        sa.Column('to_number', sa.String(length=20), nullable=True),
        sa.Column('area', sa.String(length=64), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=False),
        sa.Column('longitude', sa.Float(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subscribed_at', sa.DateTime(), nullable=False),
        sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number_key'),
    )
    op.create_index('ix_alert_subscription_where', 'alert_subscription', ['latitude', 'longitude'], unique=False)
    op.create_index(op.f('ix_alert_subscription_unsubscribed_at'), 'alert_subscription', ['unsubscribed_at'], unique=False)
    op.create_table(
        'area_alert',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('area', sa.String(length=64), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=False),
        sa.Column('longitude', sa.Float(), nullable=False),
        sa.Column('radius_miles', sa.Float(), nullable=False),
        sa.Column('text_en', sa.Text(), nullable=False),
        sa.Column('text_es', sa.Text(), nullable=True),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_area_alert_created_at'), 'area_alert', ['created_at'], unique=False)
    op.create_table(
        'batch_report',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('words', sa.Text(), nullable=True),
        sa.Column('area', sa.String(length=64), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_batch_report_received_at'), 'batch_report', ['received_at'], unique=False)
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_alert_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_area_alert_id'), ['area_alert_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_area_alert_id'))
        batch_op.drop_column('area_alert_id')
    op.drop_index(op.f('ix_batch_report_received_at'), table_name='batch_report')
    op.drop_table('batch_report')
    op.drop_index(op.f('ix_area_alert_created_at'), table_name='area_alert')
    op.drop_table('area_alert')
    op.drop_index(op.f('ix_alert_subscription_unsubscribed_at'), table_name='alert_subscription')
    op.drop_index('ix_alert_subscription_where', table_name='alert_subscription')
    op.drop_table('alert_subscription')
