"""customer directory

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 14:07:06.236098
"""

from alembic import op
import sqlalchemy as sa

import voxloop.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite: feedback and responses point at customers).
    op.add_column('customers', sa.Column('external_id', sa.String(length=200), nullable=True))
    op.add_column('customers', sa.Column('tags', sa.JSON(), nullable=True))
    op.add_column('customers', sa.Column('value_tier', sa.String(length=20), nullable=True))
    op.add_column('customers', sa.Column('region', sa.String(length=100), nullable=True))
    op.add_column('customers', sa.Column('contact_email', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('customers', sa.Column('contact_phone', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('customers', sa.Column('erased_at', voxloop.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index('uq_customers_org_external_id', 'customers', ['org_id', 'external_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_customers_org_external_id', table_name='customers')
    for column in ('erased_at', 'contact_phone', 'contact_email', 'region', 'value_tier', 'tags', 'external_id'):
        op.drop_column('customers', column)
