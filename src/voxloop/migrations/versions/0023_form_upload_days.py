"""form_upload_days: attachment bytes one address sent through the anonymous form, per UTC day

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 04:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_upload_days",
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("ip", "day", name="pk_form_upload_days"),
    )


def downgrade() -> None:
    op.drop_table("form_upload_days")
