"""Finding an organization's themes for a period, telling common problems from individual ones,
and raising an alert when a common problem emerges."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from voxloop.common.time import as_utc, utcnow
from voxloop.feedback.models import Feedback
from voxloop.initiatives import service as initiatives
from voxloop.jobs import service as jobs
from voxloop.surveys import follow_up
from voxloop.surveys.models import Response, Survey
from voxloop.text import service as text_service
from voxloop.text import themes as found
from voxloop.themes.models import Alert, Theme, ThemeMember, ThemeRun
from voxloop.webhooks import service as webhooks

ALERT = "themes.alert"
EMERGING = "emerging_issue"
EXAMPLES = 3
MAX_RECORDS = 20_000  # per period; the most recent are kept


class Record(NamedTuple):
    id: int
    description: str
    customer_id: int | None
    branch: str | None
    received_at: datetime
    survey_response_id: int | None


def _records(db: Session, org_id: int, start: datetime, end: datetime) -> list[Record]:
    """What can be a problem: complaints and negative feedback, not flagged; never an inquiry,
    a suggestion or praise."""
    rows = db.execute(
        select(*(getattr(Feedback, name) for name in Record._fields))
        .where(
            Feedback.org_id == org_id,
            Feedback.received_at >= start,
            Feedback.received_at < end,
            Feedback.flag.is_(None),
            or_(Feedback.type == "complaint", Feedback.sentiment == "negative"),
            or_(Feedback.type.is_(None), Feedback.type.not_in(("praise", "inquiry", "suggestion"))),
        )
        .order_by(Feedback.received_at.desc())
        .limit(MAX_RECORDS)
    )
    return _in_their_words(db, [Record(*row) for row in rows])


def _in_their_words(db: Session, records: list[Record]) -> list[Record]:
    """A survey's follow-up case is described mostly by the form it came from (why it was
    opened, the scores), which would make every such case one theme: it is what the respondent
    wrote that says what the problem is, and a case without their words has no theme."""
    asked = {r.survey_response_id for r in records if r.survey_response_id is not None}
    if not asked:
        return records
    said = {
        response_id: " ".join(text for _, text in follow_up.open_answers(definition, answers))
        for response_id, answers, definition in db.execute(
            select(Response.id, Response.answers, Survey.definition)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Response.id.in_(asked))
        )
    }
    return [
        r if r.survey_response_id is None else r._replace(description=said[r.survey_response_id])
        for r in records
        if r.survey_response_id is None or said.get(r.survey_response_id)
    ]


@dataclass
class Plan:
    """A discovery computed from reads only, to be written by `apply` (inside the write lock)."""

    org_id: int
    start: datetime
    end: datetime
    periods: int
    records: int
    themes: list[tuple[dict[str, Any], list[int]]] = field(default_factory=list)  # row values, member ids


def plan(
    *,
    db: Session,
    org_id: int,
    end: datetime | None = None,
    days: int = 7,
    periods: int = 4,
    criteria: found.Criteria = found.Criteria(),
) -> Plan:
    """Themes of the `days` before `end`, each with its trend over the `periods` periods before
    and whether it is a common problem."""
    end = end or utcnow()
    start = end - timedelta(days=days)
    current = _records(db, org_id, start, end)
    earlier = _records(db, org_id, start - timedelta(days=days * periods), start)
    words = text_service.dictionary(db=db, org_id=org_id)
    result = found.discover([r.description for r in current], dictionary=words)
    matched = result.match([r.description for r in earlier])
    out = Plan(org_id, start, end, periods, len(current))
    for index, theme in enumerate(result.themes):
        members = [current[i] for i in theme.members]
        counts = [0] * periods
        for record, match in zip(earlier, matched, strict=True):
            if match == index:
                age = int((start - as_utc(record.received_at)) // timedelta(days=days))
                counts[periods - 1 - min(age, periods - 1)] += 1
        spread = found.spread(
            [m.customer_id for m in members], [m.branch for m in members], counts if earlier else []
        )
        scope, reasons = found.scope(spread, criteria)
        values = {
            "label": theme.label[:200],
            "terms": theme.terms,
            "size": spread.count,
            "customers": spread.customers,
            "branches": spread.branches,
            "baseline": spread.baseline,
            "p_rise": spread.p_rise,
            "scope": scope,
            "reasons": reasons,
            "trend": [*counts, spread.count] if earlier else [spread.count],
            "example_ids": [m.id for m in members[:EXAMPLES]],
        }
        out.themes.append((values, [m.id for m in members]))
    return out


def apply(*, db: Session, plan: Plan) -> ThemeRun:
    """Write a discovery and raise an alert for each common problem not alerted within the
    period; the caller commits."""
    org_id = plan.org_id
    run = ThemeRun(
        org_id=org_id,
        period_start=plan.start,
        period_end=plan.end,
        periods=plan.periods,
        records=plan.records,
    )
    db.add(run)
    db.flush()
    for values, member_ids in plan.themes:
        row = Theme(org_id=org_id, run_id=run.id, **values)
        db.add(row)
        db.flush()
        db.execute(
            insert(ThemeMember.__table__),
            [{"org_id": org_id, "theme_id": row.id, "feedback_id": fid} for fid in member_ids],
        )
        if row.scope == "common":
            _watch(db, org_id, row)
        if row.scope == "common" and not _alerted(
            db, org_id, row.terms, since=utcnow() - (plan.end - plan.start)
        ):
            alert = Alert(
                org_id=org_id,
                kind=EMERGING,
                theme_id=row.id,
                title=row.label,
                detail={"size": row.size, "customers": row.customers, "branches": row.branches},
                created_at=utcnow(),
            )
            db.add(alert)
            db.flush()
            jobs.enqueue(db=db, org_id=org_id, task=ALERT, payload={"alert_id": alert.id})
            webhooks.emit(
                db=db,
                org_id=org_id,
                event="alert.raised",
                data=[
                    {
                        "id": alert.id,
                        "kind": alert.kind,
                        "title": alert.title,
                        "theme_id": row.id,
                        **alert.detail,
                    }
                ],
            )
    return run


def _watch(db: Session, org_id: int, theme: Theme) -> None:
    """The recurrence watch: a common problem that an initiative closed recently was about
    raises a "recurrence" alert."""
    for initiative in initiatives.recurring(db=db, org_id=org_id, terms=theme.terms):
        alert = Alert(
            org_id=org_id,
            kind=initiatives.RECURRENCE,
            theme_id=theme.id,
            title=initiative.title,
            detail={
                "initiative_id": initiative.id,
                "theme": theme.label,
                "size": theme.size,
                "customers": theme.customers,
                "branches": theme.branches,
            },  # fmt: skip
            created_at=utcnow(),
        )
        db.add(alert)
        db.flush()
        jobs.enqueue(db=db, org_id=org_id, task=ALERT, payload={"alert_id": alert.id})


def _alerted(db: Session, org_id: int, terms: list[str], since: datetime) -> bool:
    """Whether a recent alert was about the same thing (two of the three naming words shared)."""
    recent = db.execute(
        select(Theme.terms)
        .join(Alert, Alert.theme_id == Theme.id)
        .where(Alert.org_id == org_id, Alert.kind == EMERGING, Alert.created_at >= since)
    ).scalars()
    mine = set(terms[:3])
    return any(len(mine & set(other[:3])) >= min(2, len(mine)) for other in recent)


def latest_run(*, db: Session, org_id: int) -> ThemeRun | None:
    return db.scalars(
        select(ThemeRun)
        .where(ThemeRun.org_id == org_id)
        .order_by(ThemeRun.created_at.desc(), ThemeRun.id.desc())
    ).first()


def list_themes(*, db: Session, org_id: int, run_id: int) -> list[Theme]:
    return list(
        db.scalars(
            select(Theme)
            .where(Theme.org_id == org_id, Theme.run_id == run_id)
            .order_by(Theme.scope, Theme.size.desc(), Theme.id)
        )
    )


def get(*, db: Session, org_id: int, theme_id: int) -> Theme | None:
    return db.scalars(select(Theme).where(Theme.org_id == org_id, Theme.id == theme_id)).first()


def members(*, db: Session, org_id: int, theme_id: int, limit: int = 500) -> list[Feedback]:
    return list(
        db.scalars(
            select(Feedback)
            .join(ThemeMember, ThemeMember.feedback_id == Feedback.id)
            .where(ThemeMember.org_id == org_id, ThemeMember.theme_id == theme_id)
            .order_by(Feedback.received_at.desc())
            .limit(limit)
        )
    )


def list_alerts(
    *, db: Session, org_id: int, open_only: bool = False, limit: int = 50, kinds: tuple[str, ...] = ()
) -> list[Alert]:
    stmt = select(Alert).where(Alert.org_id == org_id)
    if kinds:
        stmt = stmt.where(Alert.kind.in_(kinds))
    if open_only:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return list(db.scalars(stmt.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)))


def acknowledge(*, db: Session, org_id: int, alert_id: int, by: str) -> Alert | None:
    alert = db.scalars(select(Alert).where(Alert.org_id == org_id, Alert.id == alert_id)).first()
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = by
    return alert


def orgs_with_recent_feedback(*, db: Session, days: int = 7) -> list[int]:
    since = utcnow() - timedelta(days=days)
    return sorted(set(db.scalars(select(Feedback.org_id).where(Feedback.received_at >= since).distinct())))
