"""Making a report for an organization, and the schedules that email them weekly or monthly."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.common.i18n import gettext
from voxloop.common.time import as_utc, utcnow
from voxloop.errors import NotFound, invalid
from voxloop.reports import content, render
from voxloop.reports.models import ReportSchedule

FREQUENCIES = {"weekly": timedelta(days=7), "monthly": timedelta(days=30)}
LOCALES = ("zh_CN", "en")


def make(
    *,
    db: Session,
    org: Organization,
    kind: str,
    fmt: str,
    locale: str,
    now: datetime | None = None,
    survey_id: int | None = None,
) -> bytes:
    """The report as PDF or XLSX bytes (scorecard figures come from the analytics store); kind
    "survey" is one survey's (`survey_id`): its SERVQUAL gaps, drivers and open answers' themes."""
    if locale not in LOCALES:
        raise invalid("lang", "zh or en")
    if fmt not in render.FORMATS:
        raise invalid("format", f"one of {', '.join(render.FORMATS)}")
    if kind == "survey":
        if survey_id is None:
            raise invalid("survey_id", "is required for a survey's report")
        report = content.survey_report(db=db, org_id=org.id, survey_id=survey_id, locale=locale)
    else:
        try:
            report = content.build(
                db=db, org_id=org.id, kind=kind, now=now or utcnow(), locale=locale, tz=org.timezone
            )
        except ValueError as exc:
            raise invalid("type", str(exc).split(": ", 1)[1]) from exc
    made = as_utc(now or utcnow()).astimezone(ZoneInfo(org.timezone))
    subtitle = gettext("Made by Voxloop on %(when)s (%(zone)s, UTC%(offset)s)", locale) % {
        "when": made.strftime("%Y-%m-%d %H:%M"),
        "zone": org.timezone,
        "offset": made.strftime("%z")[:3] + ":" + made.strftime("%z")[3:],
    }
    return render.render(report, fmt, org_name=org.name, subtitle=subtitle)


def filename(org: Organization, kind: str, fmt: str, now: datetime, survey_id: int | None = None) -> str:
    what = f"{kind}-{survey_id}" if survey_id is not None else kind
    return f"{org.slug}-{what}-{now.date().isoformat()}.{fmt}"


def create_schedule(
    *, db: Session, org_id: int, kind: str, fmt: str, locale: str, frequency: str, recipients: list[str]
) -> ReportSchedule:
    if kind not in content.TYPES:
        raise invalid("kind", f"one of {', '.join(content.TYPES)}")
    if fmt not in render.FORMATS:
        raise invalid("format", f"one of {', '.join(render.FORMATS)}")
    if locale not in LOCALES:
        raise invalid("locale", "zh_CN or en")
    if frequency not in FREQUENCIES:
        raise invalid("frequency", "weekly or monthly")
    schedule = ReportSchedule(
        org_id=org_id, kind=kind, format=fmt, locale=locale, frequency=frequency, recipients=recipients
    )
    db.add(schedule)
    db.flush()
    return schedule


def list_schedules(*, db: Session, org_id: int) -> list[ReportSchedule]:
    return list(
        db.scalars(select(ReportSchedule).where(ReportSchedule.org_id == org_id).order_by(ReportSchedule.id))
    )


def delete_schedule(*, db: Session, org_id: int, schedule_id: int) -> None:
    schedule = db.scalar(
        select(ReportSchedule).where(ReportSchedule.org_id == org_id, ReportSchedule.id == schedule_id)
    )
    if schedule is None:
        raise NotFound()
    db.delete(schedule)


def due(*, db: Session, now: datetime | None = None) -> list[ReportSchedule]:
    """Schedules never sent, or sent a full period ago."""
    now = now or utcnow()
    return [
        s
        for s in db.scalars(select(ReportSchedule))
        if s.last_sent_at is None or as_utc(s.last_sent_at) + FREQUENCIES[s.frequency] <= now
    ]
