"""Outbox handlers for talking to customers: staff replies, thank-yous, the follow-up hand-off."""

import hashlib
from typing import Any

from sqlalchemy import select

from voxloop.accounts.models import Department, Organization, User
from voxloop.audit.service import SYSTEM
from voxloop.cases import service, templates
from voxloop.common import i18n
from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback, FeedbackEvent
from voxloop.feedback.tasks import tracking_url
from voxloop.integrations import email
from voxloop.jobs.registry import task
from voxloop.mail.compose import render
from voxloop.surveys import invitations


def _locale(db: Any, customer: Any, record: Feedback) -> str:
    org = db.get(Organization, record.org_id)
    return i18n.customer_locale(record.language, customer.locale, org.default_locale if org else None)


def worded(db: Any, record: Feedback, customer: Any, kind: str, **extra: str) -> tuple[str, str]:
    """A message to the customer in the organization's words (cases/templates.py), in the
    customer's language: subject and body."""
    org = db.get(Organization, record.org_id)
    return templates.render(
        *service.template(db=db, org_id=record.org_id, kind=kind, locale=_locale(db, customer, record)),
        {
            "customer_name": customer.name,
            "organization": org.name if org else "",
            "tracking_code": record.tracking_code,
            "tracking_url": tracking_url(record.tracking_code),
            "feedback": record.description[:500],
            **extra,
        },
    )


@task(service.REPLY)
def send_reply(payload: dict[str, Any]) -> None:
    """Email a staff reply to the customer. The Message-ID is the reply's own, so a retry
    is recognisable; it carries the tracking code, so the customer's answer finds the case."""
    with session_scope(readonly=True) as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        event = db.get(FeedbackEvent, int(payload["event_id"]))
        customer = feedback.customer_of(db=db, record=record) if record else None
        if record is None or event is None or customer is None or not customer.email:
            return
        locale = _locale(db, customer, record)
        ctx = {"record": record, "customer": customer, "text": event.data["text"]}
        ctx["url"] = tracking_url(record.tracking_code)
        email.send(
            to=customer.email,
            subject=render("reply_subject.txt", locale, **ctx).strip(),
            text=render("reply.txt", locale, **ctx),
            message_id=f"<reply-{event.id}-{record.tracking_code}@voxloop>",
        )


@task(service.THANK)
def thank_you(payload: dict[str, Any]) -> None:
    """Thank a customer for praise or a suggestion, in the organization's words; once."""
    with session_scope() as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        if record is None or record.type not in ("praise", "suggestion") or record.flag:
            return
        done = db.scalar(
            select(FeedbackEvent.id).where(
                FeedbackEvent.feedback_id == record.id, FeedbackEvent.kind == "thanked"
            )
        )
        customer = feedback.customer_of(db=db, record=record)
        if done is not None or customer is None or not customer.email:
            return
        kind = f"thanks_{record.type}"
        subject, body = worded(db, record, customer, kind)
        db.commit()  # end the read before sending and writing
        email.send(
            to=customer.email,
            subject=subject,
            text=body,
            message_id=f"<thanks-{record.id}-{record.tracking_code}@voxloop>",
        )
        with writing(db):
            feedback.add_event(
                db=db,
                org_id=record.org_id,
                feedback_id=record.id,
                kind="thanked",
                actor=SYSTEM,
                public=True,
                data={"to": customer.email, "template": kind},
            )


@task(service.FOLLOW_UP)
def follow_up(payload: dict[str, Any]) -> None:
    """A case was resolved: the organization's post-case survey is sent to the customer
    (after its delay, within the contact cap); the timeline records the hand-off, once."""
    with session_scope() as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        if record is None:
            return
        done = db.scalar(
            select(FeedbackEvent.id).where(
                FeedbackEvent.feedback_id == record.id,
                FeedbackEvent.kind == "follow_up_due",
                FeedbackEvent.at >= (record.resolved_at or record.received_at),
            )
        )
        if done is not None:
            return
        customer = feedback.customer_of(db=db, record=record)
        with writing(db):
            invited = invitations.after_case(db=db, record=record, email=customer.email if customer else None)
            feedback.add_event(
                db=db,
                org_id=record.org_id,
                feedback_id=record.id,
                kind="follow_up_due",
                actor=SYSTEM,
                data={"survey_invited": bool(invited and invited["invited"])},
            )


def _tell_staff(db: Any, user: User, record: Feedback, name: str, message_id: str, **ctx: Any) -> None:
    """Email a colleague about a case, in their language, with a link to it."""
    org = db.get(Organization, record.org_id)
    locale = user.locale or (org.default_locale if org else "en")
    ctx.update(record=record, url=f"{get_settings().base_url.rstrip('/')}/feedback/{record.id}")
    email.send(
        to=user.email,
        subject=render(f"{name}_subject.txt", locale, **ctx).strip(),
        text=render(f"{name}.txt", locale, **ctx),
        message_id=message_id,
    )


@task(service.MENTIONED)
def mentioned(payload: dict[str, Any]) -> None:
    """Tell a colleague a note mentions them."""
    with session_scope(readonly=True) as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        user = db.get(User, int(payload["user_id"]))
        if record is None or user is None or not user.is_active:
            return
        digest = hashlib.sha256(payload["text"].encode()).hexdigest()[:16]
        _tell_staff(
            db,
            user,
            record,
            "mention",
            f"<mention-{record.id}-{user.id}-{digest}@voxloop>",
            by=payload["by"],
            text=payload["text"],
        )


def owner_of(db: Any, record: Feedback) -> User | None:
    """Who looks after a case: its assignee, else the head of its department."""
    user = db.get(User, record.assignee_id) if record.assignee_id else None
    if (user is None or not user.is_active) and record.department_id:
        dept = db.get(Department, record.department_id)
        user = db.get(User, dept.head_id) if dept and dept.head_id else None
    return user if user is not None and user.is_active else None


@task(service.CUSTOMER_WROTE)
def customer_wrote(payload: dict[str, Any]) -> None:
    """Tell the case's owner the customer wrote (an answer resumes a waiting case)."""
    with session_scope(readonly=True) as db:
        record = db.get(Feedback, int(payload["feedback_id"]))
        event = db.get(FeedbackEvent, int(payload["event_id"]))
        owner = owner_of(db, record) if record else None
        if record is None or event is None or owner is None:
            return
        _tell_staff(
            db,
            owner,
            record,
            "customer_wrote",
            f"<customer-wrote-{event.id}-{owner.id}@voxloop>",
            text=event.data["text"],
            via=event.data.get("via", ""),
            was=payload.get("from", ""),
        )
