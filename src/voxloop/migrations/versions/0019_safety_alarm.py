"""safety first: feedback.alarm, feedback.review; the default keyword rules that set a type or a sentiment retired

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:30:00.000000
"""

import json

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# The default rules that outvoted the models ("谢谢" made a complaint praise) and the keyword
# Safety rule that the safety check replaces; an organization's own edits are left alone.
RETIRED = {
    "Safety": ["火灾", "着火", "漏电", "受伤", "烫伤", "食物中毒", "fire", "injur", "electric shock", "food poisoning"],
    "Praise": ["感谢", "谢谢", "非常好", "很满意", "热情", "点赞", "thank", "excellent", "wonderful", "great job", "spotless"],
    "Suggestion": ["建议", "希望能", "希望可以", "如果能", "would be great", "suggest", "it would be nice", "please add", "could you add"],
    "Inquiry": ["请问", "吗？", "吗?", "is there", "can i ", "how do", "do you have"],
}


def upgrade() -> None:
    op.add_column('feedback', sa.Column('alarm', sa.String(32), nullable=True))
    op.add_column('feedback', sa.Column('review', sa.String(60), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, match FROM triage_rules")).all()
    for rule_id, name, match in rows:
        keywords = (json.loads(match) if isinstance(match, str) else match or {}).get("keywords")
        if (name in RETIRED and keywords == RETIRED[name]) or (name == "Complaint wording" and keywords and "投诉" in keywords):
            conn.execute(sa.text("UPDATE triage_rules SET is_active = :off WHERE id = :id"), {"off": False, "id": rule_id})


def downgrade() -> None:
    op.drop_column('feedback', 'review')
    op.drop_column('feedback', 'alarm')
