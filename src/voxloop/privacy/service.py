"""An organization's privacy settings: redacting personal data from feedback text as it
arrives, and retention — how many days each kind of record keeps its personal content.

Retention anonymises rather than deletes wherever records feed indicators: old feedback keeps
its type, category, sentiment, dates and scores, and loses its text, customer link and files;
old survey answers lose their free text; the audit log's old entries are deleted.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.models import AuditEntry
from voxloop.common.cache import Cache
from voxloop.common.time import utcnow
from voxloop.errors import invalid
from voxloop.feedback import attachments
from voxloop.feedback.models import Attachment, Feedback
from voxloop.surveys import definition as d
from voxloop.surveys.models import Response, Survey

EXPIRED = "[expired]"
# record kind -> what happens to it after the number of days
POLICIES = {
    "feedback_text_days": "feedback text, customer link and attachments removed; classification kept",
    "attachments_days": "attached files deleted",
    "survey_text_days": "free-text survey answers removed; scores kept",
    "audit_days": "audit log entries deleted",
}
MIN_DAYS = 30
_redacting = Cache(ttl=5.0)


def reset_cache() -> None:
    _redacting.clear()


def redacts(*, db: Session, org_id: int) -> bool:
    """Whether the organization redacts personal data from incoming text (cached briefly)."""
    value = _redacting.get_or_load(
        org_id, lambda: bool(db.scalar(select(Organization.redact_pii).where(Organization.id == org_id)))
    )
    return bool(value)


def settings(*, db: Session, org_id: int) -> dict[str, Any]:
    org = db.get_one(Organization, org_id)
    return {"redact_pii": org.redact_pii, "retention": org.retention or {}}


def update_settings(
    *, db: Session, org_id: int, redact_pii: bool | None, retention: dict[str, int] | None
) -> dict[str, Any]:
    """The caller commits."""
    org = db.get_one(Organization, org_id)
    if retention is not None:
        for key, days in retention.items():
            if key not in POLICIES:
                raise invalid(f"retention.{key}", f"is not a record kind; kinds are {', '.join(POLICIES)}")
            if not isinstance(days, int) or days < MIN_DAYS:
                raise invalid(f"retention.{key}", f"must be a whole number of days, at least {MIN_DAYS}")
        org.retention = dict(retention)
    if redact_pii is not None:
        org.redact_pii = redact_pii
    _redacting.clear()
    return settings(db=db, org_id=org_id)


def _remove_files(db: Session, rows: list[Attachment]) -> int:
    """Delete attachment rows, and their files when no other row points at the same content."""
    hashes = {a.sha256 for a in rows}
    for a in rows:
        db.delete(a)
    db.flush()
    still_used = set(db.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(hashes))))
    for digest in hashes - still_used:
        attachments.path_for(digest).unlink(missing_ok=True)
    return len(rows)


def apply_retention(*, db: Session, org_id: int, now: datetime | None = None) -> dict[str, int]:
    """Apply the organization's retention policy to what has become too old; the caller commits."""
    now = now or utcnow()
    org = db.get(Organization, org_id)
    policy = (org.retention or {}) if org else {}
    counts = {key: 0 for key in POLICIES}
    if days := policy.get("feedback_text_days"):
        old = select(Feedback.id).where(
            Feedback.org_id == org_id,
            Feedback.received_at < now - timedelta(days=days),
            Feedback.description != EXPIRED,
        )
        ids = list(db.scalars(old))
        if ids:
            db.execute(
                update(Feedback)
                .where(Feedback.id.in_(ids))
                .values(description=EXPIRED, customer_request=None, customer_id=None, search_text="")
            )
            _remove_files(db, list(db.scalars(select(Attachment).where(Attachment.feedback_id.in_(ids)))))
        counts["feedback_text_days"] = len(ids)
    if days := policy.get("attachments_days"):
        old_files = db.scalars(
            select(Attachment).where(
                Attachment.org_id == org_id, Attachment.created_at < now - timedelta(days=days)
            )
        )
        counts["attachments_days"] = _remove_files(db, list(old_files))
    if days := policy.get("survey_text_days"):
        responses = list(
            db.scalars(
                select(Response).where(
                    Response.org_id == org_id, Response.submitted_at < now - timedelta(days=days)
                )
            )
        )
        open_questions = {
            s.id: d.free_text(s.definition)
            for s in db.scalars(select(Survey).where(Survey.id.in_({r.survey_id for r in responses})))
        }
        for r in responses:
            asked = open_questions.get(r.survey_id, set())
            texts = {k: v for k, v in r.answers.items() if k in asked and v != EXPIRED}
            if texts or r.fingerprint:
                r.answers = {**r.answers, **{k: EXPIRED for k in texts}}
                r.fingerprint = None
                counts["survey_text_days"] += 1
    if days := policy.get("audit_days"):
        result = db.execute(
            delete(AuditEntry).where(AuditEntry.org_id == org_id, AuditEntry.at < now - timedelta(days=days))
        )
        counts["audit_days"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts


def orgs_with_retention(*, db: Session) -> list[int]:
    return [o.id for o in db.scalars(select(Organization)) if o.retention]
