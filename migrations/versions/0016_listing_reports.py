"""listing reports: when each service was last verified, the places last listed to a texter, and
texters' reports of wrong listings

Revision ID: 0016_listing_reports
Revises: 0010_delivery
Create Date: 2026-11-30 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_listing_reports'
down_revision = '0013_referrer_kind'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_on', sa.Date(), nullable=True))
    op.create_table(
        'listing_shown',
        sa.Column('number_key', sa.String(length=64), nullable=False),
        sa.Column('shown_at', sa.DateTime(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('places', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('number_key'),
    )
    op.create_index(op.f('ix_listing_shown_shown_at'), 'listing_shown', ['shown_at'], unique=False)
    op.create_table(
        'listing_report',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('service_id', sa.String(length=36), nullable=True),
        sa.Column('location_id', sa.String(length=36), nullable=True),
        sa.Column('place_name', sa.Text(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('words', sa.Text(), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('reporter_key', sa.String(length=64), nullable=False),
        sa.Column('cleared_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_listing_report_created_at'), 'listing_report', ['created_at'], unique=False)
    op.create_index(op.f('ix_listing_report_service_id'), 'listing_report', ['service_id'], unique=False)
    op.create_index(op.f('ix_listing_report_cleared_at'), 'listing_report', ['cleared_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_listing_report_cleared_at'), table_name='listing_report')
    op.drop_index(op.f('ix_listing_report_service_id'), table_name='listing_report')
    op.drop_index(op.f('ix_listing_report_created_at'), table_name='listing_report')
    op.drop_table('listing_report')
    op.drop_index(op.f('ix_listing_shown_shown_at'), table_name='listing_shown')
    op.drop_table('listing_shown')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('verified_on')
