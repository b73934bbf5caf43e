"""survey follow-up rules: CES "ces_min" (read as 7 the hardest) becomes "ces_max" on the
scale the questions ask (1 very difficult, 7 very easy)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 14:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

surveys = sa.table("surveys", sa.column("id", sa.Integer()), sa.column("follow_up", sa.JSON()))


def _move(old: str, new: str) -> None:
    """Each stored threshold t on one end of the 1-7 scale is 8 - t on the other; off stays off."""
    bind = op.get_bind()
    for survey_id, rules in bind.execute(sa.select(surveys.c.id, surveys.c.follow_up)).all():
        if not isinstance(rules, dict) or old not in rules:
            continue
        rules = dict(rules)
        value = rules.pop(old)
        rules[new] = None if value is None else 8 - int(value)
        bind.execute(sa.update(surveys).where(surveys.c.id == survey_id).values(follow_up=rules))


def upgrade() -> None:
    _move("ces_min", "ces_max")


def downgrade() -> None:
    _move("ces_max", "ces_min")
