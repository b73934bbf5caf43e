"""Service remedies: what is owed to a customer after a broken commitment, as a small workflow
proposed -> approved -> delivered, or proposed/approved -> declined."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.commitments.models import Remedy
from voxloop.common.time import utcnow
from voxloop.errors import Conflict, NotFound, field_error, invalid
from voxloop.feedback import service as feedback

STATUSES = ("proposed", "approved", "delivered", "declined")
NEXT = {
    "proposed": ("approved", "declined"),
    "approved": ("delivered", "declined"),
    "delivered": (),
    "declined": (),
}


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
        if remedy.kind == "compensation" and status == "delivered" and not (amount or remedy.amount):
            raise invalid("amount", "say what compensation was given")
    before = {"status": remedy.status, "amount": remedy.amount}
    remedy.status = status
    if amount is not None:
        remedy.amount = amount
    if note is not None:
        remedy.note = note
    remedy.updated_at = utcnow()
    feedback.add_event(
        db=db,
        org_id=org_id,
        feedback_id=remedy.feedback_id,
        kind="remedy",
        actor=actor,
        data={"remedy_id": remedy.id, "kind": remedy.kind, "from": before["status"], "to": status},
    )
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="remedy",
        entity_id=remedy.id,
        before=before,
        after={"status": status, "amount": remedy.amount},
    )
    return remedy
