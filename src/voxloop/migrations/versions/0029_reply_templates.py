"""reply templates: an organization's canned replies to customers

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reply_templates",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_reply_templates_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_templates")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_reply_templates_org_id_name")),
    )
    with op.batch_alter_table("reply_templates") as batch:
        batch.create_index(batch.f("ix_reply_templates_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reply_templates") as batch:
        batch.drop_index(batch.f("ix_reply_templates_org_id"))
    op.drop_table("reply_templates")
