"""Service remedies: what is owed to a customer after a broken commitment (or whenever staff
think it due), as a small workflow proposed -> approved -> delivered, or proposed/approved ->
declined. A delivered remedy that speaks to the customer (an apology, a voucher, compensation)
is emailed to them through the outbox, in their language."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.commitments.models import Remedy
from voxloop.commitments.service import REMEDIES
from voxloop.common.time import utcnow
from voxloop.errors import Conflict, NotFound, field_error, invalid
from voxloop.feedback import service as feedback
from voxloop.jobs import service as outbox

DELIVERED = "commitments.remedy_delivered"
# Kinds whose delivery is a message to the customer (cases/templates.py words it: remedy_<kind>);
# a call-back or a follow-up visit is something staff do, recorded but not emailed.
TO_CUSTOMER = ("apology", "voucher", "compensation")
NEEDS_AMOUNT = ("voucher", "compensation")  # delivered only with what was given

STATUSES = ("proposed", "approved", "delivered", "declined")
NEXT = {
    "proposed": ("approved", "declined"),
    "approved": ("delivered", "declined"),
    "delivered": (),
    "declined": (),
}


def propose(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    feedback_id: int,
    kind: str,
    amount: str | None = None,
    message: str = "",
) -> Remedy:
    """Staff propose a remedy on a case themselves (a breach proposes the commitment's own)."""
    record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    if kind not in REMEDIES:
        raise invalid("kind", f"must be one of {', '.join(REMEDIES)}")
    remedy = Remedy(
        org_id=org_id, feedback_id=record.id, step="manual", kind=kind, amount=amount or None, message=message
    )
    db.add(remedy)
    db.flush()
    _record(db, actor, remedy, "proposed", "create", {})
    return remedy


def list_remedies(
    *, db: Session, org_id: int, status: str | None = None, feedback_id: int | None = None
) -> list[Remedy]:
    if status is not None and status not in STATUSES:
        raise invalid("status", f"must be one of {', '.join(STATUSES)}")
    stmt = select(Remedy).where(Remedy.org_id == org_id)
    if feedback_id is not None:
        stmt = stmt.where(Remedy.feedback_id == feedback_id)
    if status:
        stmt = stmt.where(Remedy.status == status)
    return list(db.scalars(stmt.order_by(Remedy.id.desc()).limit(500)))


def move(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    remedy_id: int,
    status: str,
    amount: str | None,
    note: str | None,
    message: str | None = None,
) -> Remedy:
    remedy = db.scalar(select(Remedy).where(Remedy.org_id == org_id, Remedy.id == remedy_id))
    if remedy is None:
        raise NotFound()
    if status not in STATUSES:
        raise invalid("status", f"must be one of {', '.join(STATUSES)}")
    if status != remedy.status:
        if status not in NEXT[remedy.status]:
            allowed = ", ".join(NEXT[remedy.status]) or "none"
            raise Conflict(
                "This status change is not allowed.",
                fields=[field_error("status", f"a {remedy.status} remedy can become: {allowed}")],
            )
        if remedy.kind in NEEDS_AMOUNT and status == "delivered" and not (amount or remedy.amount):
            raise invalid("amount", f"say what was given ({remedy.kind})")
    was = remedy.status
    before = {"status": was, "amount": remedy.amount}
    if amount is not None:
        remedy.amount = amount
    if note is not None:
        remedy.note = note
    if message is not None:
        remedy.message = message
    remedy.updated_at = utcnow()
    if status != was:
        remedy.status = status
        if status == "delivered" and remedy.kind in TO_CUSTOMER:
            outbox.enqueue(db=db, org_id=org_id, task=DELIVERED, payload={"remedy_id": remedy.id})
    _record(db, actor, remedy, was, "update", before)
    return remedy


def _record(db: Session, actor: Actor, remedy: Remedy, was: str, action: str, before: dict[str, Any]) -> None:
    """The move on the case's timeline, and in the audit log."""
    feedback.add_event(
        db=db,
        org_id=remedy.org_id,
        feedback_id=remedy.feedback_id,
        kind="remedy",
        actor=actor,
        data={"remedy_id": remedy.id, "kind": remedy.kind, "from": was, "to": remedy.status},
    )
    audit.record(
        db=db,
        org_id=remedy.org_id,
        actor=actor,
        action=action,
        entity="remedy",
        entity_id=remedy.id,
        before=before,
        after={"kind": remedy.kind, "status": remedy.status, "amount": remedy.amount},
    )
