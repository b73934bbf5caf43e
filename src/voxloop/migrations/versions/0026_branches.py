"""branches: the organization's hotels, stores or offices as a managed list (with their city)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 08:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_branches_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_branches_org_id_name")),
    )
    with op.batch_alter_table("branches") as batch:
        batch.create_index(batch.f("ix_branches_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.drop_index(batch.f("ix_branches_org_id"))
    op.drop_table("branches")
