"""Outbox handlers for feedback."""

from typing import Any

from sqlalchemy import select

from voxloop.accounts.models import Organization
from voxloop.audit.service import SYSTEM
from voxloop.common.i18n import customer_locale
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.feedback import service
from voxloop.feedback.flows import ACKNOWLEDGE
from voxloop.feedback.models import Feedback, FeedbackEvent
from voxloop.integrations import email
from voxloop.jobs.registry import task
from voxloop.mail.compose import render


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
        org = db.get(Organization, record.org_id)
        locale = customer_locale(record.language, customer.locale, org.default_locale if org else None)
        ctx = {"record": record, "customer": customer, "url": tracking_url(record.tracking_code)}
        subject = render("acknowledgement_subject.txt", locale, **ctx).strip()
        email.send(
            to=customer.email,
            subject=subject,
            text=render("acknowledgement.txt", locale, **ctx),
            html=render("acknowledgement.html", locale, **ctx),
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
