"""Outbox handler: make a scheduled report and email it to its recipients."""

from typing import Any

from voxloop.accounts.models import Organization
from voxloop.common.i18n import gettext
from voxloop.common.time import utcnow
from voxloop.db import session_scope, write_lock
from voxloop.integrations import email
from voxloop.jobs.executor import task
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
    with write_lock(), session_scope() as db:
        row = db.get(ReportSchedule, schedule_id)
        if row is not None:
            row.last_sent_at = utcnow()
            db.commit()
