"""Outbox handlers: tell the right people about a warning, a breach or an escalation; send the
customer a delivered remedy. Periodically: the sweep that finds them."""

from typing import Any

from sqlalchemy import select

from voxloop.accounts.models import Department, Organization, Role, User
from voxloop.audit.service import SYSTEM
from voxloop.cases import tasks as case_tasks
from voxloop.commitments import clocks, remedies
from voxloop.commitments.models import Remedy
from voxloop.common import i18n
from voxloop.common.i18n import N_
from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback, FeedbackEvent
from voxloop.integrations import email
from voxloop.jobs.registry import periodic, task
from voxloop.mail.compose import render

STEP_LABELS = {
    "response": N_("response"),
    "resolution": N_("resolution"),
    "dispatch": N_("dispatch"),
    "handling": N_("handling"),
}


def recipients(db: Any, record: Feedback, kind: str, level: int) -> list[User]:
    """Warnings go to the owner; a breach to the department head; a second escalation to the
    managers. Whoever is missing is replaced by the next in line."""
    users: list[User] = []
    if kind == "warning" and record.assignee_id:
        users = [u for u in [db.get(User, record.assignee_id)] if u and u.is_active]
    if not users and level <= 1 and record.department_id:
        dept = db.get(Department, record.department_id)
        head = db.get(User, dept.head_id) if dept and dept.head_id else None
        users = [head] if head and head.is_active else []
    if not users:
        users = list(
            db.scalars(
                select(User).where(
                    User.org_id == record.org_id, User.role == Role.manager, User.is_active.is_(True)
                )
            )
        )
    return users


@periodic("sweep", every="sweep_seconds")
def sweep_commitments() -> dict[str, int]:
    """Warnings, breaches and escalations that have come due; run by every executor."""
    with session_scope() as db, writing(db):
        return clocks.sweep(db=db)


@task(clocks.NOTIFY)
def notify(payload: dict[str, Any]) -> None:
    with session_scope(readonly=True) as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        if record is None:
            return
        org = db.get(Organization, record.org_id)
        info = clocks.describe(db, record)
        base = get_settings().base_url.rstrip("/")
        step = STEP_LABELS[payload["step"]]
        for user in recipients(db, record, payload["kind"], int(payload["level"])):
            locale = user.locale or (org.default_locale if org else "en")
            ctx = {
                "record": record,
                "kind": payload["kind"],
                "level": int(payload["level"]),
                "commitment": info["commitment"] or "",
                "step_label": i18n.gettext(step, locale),
                "due": info["due_at"],
                "zone": org.timezone if org else "Asia/Shanghai",
                "url": f"{base}/feedback/{record.id}",
            }
            email.send(
                to=user.email,
                subject=render("commitment_subject.txt", locale, **ctx).strip(),
                text=render("commitment.txt", locale, **ctx),
                # One message per case, step, level and person: a retry does not send it twice.
                message_id=f"<sla-{record.id}-{payload['step']}-{payload['kind']}-{payload['level']}-{user.id}@voxloop>",
            )


@task(remedies.DELIVERED)
def remedy_delivered(payload: dict[str, Any]) -> None:
    """Email a delivered remedy (an apology, a voucher, compensation) to the customer, in their
    language and the organization's words; the timeline says it went, or that there was no
    address to send it to. Once: a retry finds the timeline entry."""
    with session_scope() as db:
        remedy = db.get(Remedy, int(payload["remedy_id"]))
        record = db.get(Feedback, remedy.feedback_id) if remedy else None
        if remedy is None or record is None or remedy.status != "delivered":
            return
        done = db.scalars(
            select(FeedbackEvent.data).where(
                FeedbackEvent.feedback_id == record.id,
                FeedbackEvent.kind.in_(("remedy_sent", "remedy_unsent")),
            )
        ).all()
        if any(d.get("remedy_id") == remedy.id for d in done):
            return
        customer = feedback.customer_of(db=db, record=record)
        to = customer.email if customer else None
        if customer is not None and to:
            subject, body = case_tasks.worded(
                db,
                record,
                customer,
                f"remedy_{remedy.kind}",
                remedy_detail=remedy.amount or "",
                message=remedy.message,
            )
            db.commit()  # end the read before sending and writing
            email.send(
                to=to,
                subject=subject,
                text=body,
                message_id=f"<remedy-{remedy.id}-{record.tracking_code}@voxloop>",
            )
        with writing(db):
            feedback.add_event(
                db=db,
                org_id=record.org_id,
                feedback_id=record.id,
                kind="remedy_sent" if to else "remedy_unsent",
                actor=SYSTEM,
                data={"remedy_id": remedy.id, "kind": remedy.kind, "to": to}
                if to
                else {"remedy_id": remedy.id, "kind": remedy.kind},
            )
