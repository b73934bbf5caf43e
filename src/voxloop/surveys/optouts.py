"""Survey opt-outs, kept as keyed hashes of the address (HMAC-SHA256 with the app's secret), so
the list of people who asked for no more surveys holds no address: an erased customer stays
opted out without staying on file, and a copy of the database alone cannot test guesses."""

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.config import get_settings
from voxloop.surveys.models import OptOut


def normalised(email: str) -> str:
    return email.strip().lower()


def key(email: str, secret: str | None = None) -> str:
    """The keyed hash an opt-out of `email` is kept as (64 hex digits)."""
    secret = secret if secret is not None else get_settings().session_secret
    message = b"survey-opt-out:" + normalised(email).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def opted_out(*, db: Session, org_id: int, emails: Iterable[str]) -> set[str]:
    """Those of `emails` (normalised) who asked the organization for no more surveys."""
    secret = get_settings().session_secret
    keys = {key(e, secret): normalised(e) for e in emails}
    found: set[str] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 5000):  # keep IN lists a sensible size
        chunk = ordered[start : start + 5000]
        found |= set(db.scalars(select(OptOut.email).where(OptOut.org_id == org_id, OptOut.email.in_(chunk))))
    return {keys[k] for k in found}


def add(*, db: Session, org_id: int, email: str) -> None:
    """`email` gets no more survey invitations from the organization. The caller commits."""
    hashed = key(email)
    if db.scalar(select(OptOut.id).where(OptOut.org_id == org_id, OptOut.email == hashed)) is None:
        db.add(OptOut(org_id=org_id, email=hashed))
