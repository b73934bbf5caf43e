"""Outbox handlers for feedback."""

from typing import Any

from sqlalchemy import select

from voxloop.audit.service import SYSTEM
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.feedback import service
from voxloop.feedback.flows import ACKNOWLEDGE
from voxloop.feedback.models import Feedback, FeedbackEvent
from voxloop.integrations import email
from voxloop.jobs.executor import task
from voxloop.web.render import render


def tracking_url(tracking_code: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/t/{tracking_code}"


@task(ACKNOWLEDGE)
def acknowledge(payload: dict[str, Any]) -> None:
    """Email the customer their tracking link, once per record even if this runs again."""
    with session_scope() as db:
        record = db.scalar(select(Feedback).where(Feedback.id == int(payload["feedback_id"])))
        if record is None:
            return
        done = db.scalar(
            select(FeedbackEvent.id).where(
                FeedbackEvent.feedback_id == record.id, FeedbackEvent.kind == "acknowledged"
            )
        )
        customer = service.customer_of(db=db, record=record)
        if done is not None or customer is None or not customer.email:
            return
        locale = customer.locale or ("zh_CN" if record.language == "zh" else "en")
        ctx = {"record": record, "customer": customer, "url": tracking_url(record.tracking_code)}
        subject = render("email/acknowledgement_subject.txt", locale, **ctx).strip()
        email.send(
            to=customer.email,
            subject=subject,
            text=render("email/acknowledgement.txt", locale, **ctx),
            html=render("email/acknowledgement.html", locale, **ctx),
            message_id=f"<ack-{record.id}-{record.tracking_code}@voxloop>",
        )
        service.add_event(
            db=db,
            org_id=record.org_id,
            feedback_id=record.id,
            kind="acknowledged",
            actor=SYSTEM,
            public=True,
            data={"to": customer.email},
        )
        db.commit()
