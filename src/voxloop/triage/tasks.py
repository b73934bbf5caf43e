"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from voxloop.accounts.models import Organization
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.feedback.flows import TRIAGE
from voxloop.feedback.models import Feedback
from voxloop.integrations import email
from voxloop.jobs.registry import batch_task, task
from voxloop.mail.compose import render
from voxloop.text.safety import kind_label as safety_kind
from voxloop.themes.models import Alert
from voxloop.triage import flows, service


@batch_task(TRIAGE)
def triage(payloads: list[dict[str, Any]]) -> None:
    """Every due triage message at once: classify, route, start the commitment clocks.
    Idempotent: records triaged already are skipped."""
    live = [int(i) for p in payloads if not p.get("historical") for i in p["feedback_ids"]]
    historical = [int(i) for p in payloads if p.get("historical") for i in p["feedback_ids"]]
    for ids, past in ((live, False), (historical, True)):
        if ids:
            flows.triage_received(ids, historical=past)


@task(service.SAFETY)
def safety_email(payload: dict[str, Any]) -> None:
    """Tell the on-duty managers at once: the organization's managers and admins and the head
    of the department the case went to, each in their language, once each (a stable
    Message-ID)."""
    with session_scope(readonly=True) as db:
        alert = db.get(Alert, int(payload["alert_id"]))
        record = db.get(Feedback, int(alert.detail["feedback_id"])) if alert else None
        if alert is None or record is None:
            return
        org = db.get(Organization, record.org_id)
        url = f"{get_settings().base_url.rstrip('/')}/feedback/{record.id}"
        for user in service.on_duty(db=db, record=record):
            locale = user.locale or (org.default_locale if org else "en")
            ctx = {
                "alert": alert,
                "record": record,
                "kind": safety_kind(alert.detail["kind"], locale),
                "url": url,
                "zone": org.timezone if org else "UTC",
            }
            email.send(
                to=user.email,
                subject=render("safety_subject.txt", locale, **ctx).strip(),
                text=render("safety.txt", locale, **ctx),
                message_id=f"<safety-{alert.id}-{user.id}@voxloop>",
            )
