"""Outbox handler: make a scheduled report and email it to its recipients. Daily: queue the
reports whose period has come."""

from typing import Any

from voxloop.accounts.models import Organization
from voxloop.common.i18n import gettext
from voxloop.common.time import utcnow
from voxloop.db import session_scope, writing
from voxloop.integrations import email
from voxloop.jobs import service as jobs
from voxloop.jobs.registry import periodic, task
from voxloop.reports import render, service
from voxloop.reports.models import ReportSchedule

SEND = "reports.send"


@task(SEND)
def send(payload: dict[str, Any]) -> None:
    """One message per schedule and period: the Message-ID carries the period's date."""
    with session_scope(readonly=True) as db:
        schedule = db.get(ReportSchedule, int(payload["schedule_id"]))
        org = db.get(Organization, schedule.org_id) if schedule else None
        if schedule is None or org is None:
            return
        now = utcnow()
        content = service.make(
            db=db, org=org, kind=schedule.kind, fmt=schedule.format, locale=schedule.locale, now=now
        )
        name = service.filename(org, schedule.kind, schedule.format, now)
        subject = gettext("Voxloop report: %(name)s", schedule.locale) % {"name": name}
        text = gettext("The report is attached.", schedule.locale)
        recipients, schedule_id, fmt = list(schedule.recipients), schedule.id, schedule.format
    for to in recipients:
        email.send(
            to=to,
            subject=subject,
            text=text,
            attachments=[(name, render.FORMATS[fmt], content)],
            message_id=f"<report-{schedule_id}-{payload['period']}-{to}@voxloop>",
        )
    with session_scope() as db, writing(db):
        row = db.get(ReportSchedule, schedule_id)
        if row is not None:
            row.last_sent_at = utcnow()


@periodic("daily", every="themes_seconds")
def schedule_reports() -> int:
    """Queue every scheduled report whose period has come (each once per period and day)."""
    with session_scope(readonly=True) as db:
        due = [(s.id, s.org_id) for s in service.due(db=db)]
    if due:
        period = utcnow().date().isoformat()
        with session_scope() as db, writing(db):
            for schedule_id, org_id in due:
                jobs.enqueue(
                    db=db, org_id=org_id, task=SEND, payload={"schedule_id": schedule_id, "period": period}
                )
    return len(due)
