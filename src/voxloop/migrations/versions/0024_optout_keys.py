"""optout_keys: survey opt-outs keep a keyed hash of the address (HMAC-SHA256, the app's secret)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 05:00:00.000000
"""

import hashlib
import hmac

import sqlalchemy as sa
from alembic import op

from voxloop.config import get_settings

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

optouts = sa.table("survey_optouts", sa.column("id", sa.BigInteger), sa.column("email", sa.String))


def _key(secret: bytes, email: str) -> str:
    # voxloop.surveys.optouts.key as it was written with this revision
    message = b"survey-opt-out:" + email.strip().lower().encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(optouts.c.id, optouts.c.email).where(optouts.c.email.contains("@"))).all()
    if not rows:
        return
    secret = get_settings().session_secret.encode()
    for row_id, email in rows:
        bind.execute(optouts.update().where(optouts.c.id == row_id).values(email=_key(secret, email)))


def downgrade() -> None:
    pass  # a hash cannot be turned back into the address
