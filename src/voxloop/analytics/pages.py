"""Dashboards read from the analytics store.

- Feedback volume: records per week by type, category, channel, touchpoint or sentiment, with
  n everywhere, a p-chart of the complaint rate, and every bar opening the inbox filtered to
  the records behind it.
- Trends: one indicator per week or month with its 95 % interval, the test of each change, the
  test against the organization's target (or a benchmark typed in), and its control chart.

Both filter by date range, channel, branch or its city, language, department, product and the
customer's segment."""

import calendar
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Department
from voxloop.analytics import indicators, metrics, stats, store, targets
from voxloop.common import i18n
from voxloop.common.i18n import N_
from voxloop.common.time import utcnow
from voxloop.deps import DbSession
from voxloop.errors import invalid
from voxloop.surveys.models import Survey
from voxloop.web.pages import WebOrg, form_number, page, request_locale, web_require

router = APIRouter(include_in_schema=False)
GROUPS = {
    "type": N_("Type"),
    "category": N_("Category"),
    "channel": N_("Channel"),
    "touchpoint": N_("Touchpoint"),
    "sentiment": N_("Sentiment"),
}
TREND_PERIODS = ("week", "month")
Text = Annotated[str, Query(max_length=200)]


@dataclass
class Filters:
    """The filters every dashboard takes, as typed in the form (empty for none)."""

    date_from: Text = ""
    date_to: Text = ""
    channel: Text = ""
    branch: Text = ""
    city: Text = ""
    language: Text = ""
    department_id: Text = ""
    product: Text = ""
    segment: Text = ""

    def window(self, tz: ZoneInfo, weeks: int = 12) -> tuple[datetime, datetime]:
        """[start, end) in the organization's time zone; `date_to` is inclusive."""
        today = datetime.now(tz).date()
        start = _day(self.date_from, today - timedelta(weeks=weeks), tz, "date_from")
        end = _day(self.date_to, today, tz, "date_to") + timedelta(days=1)
        return start, end

    def for_query(self) -> dict[str, Any]:
        values = {
            "channel": self.channel, "branch": self.branch, "city": self.city, "language": self.language,
            "department_id": form_number(self.department_id, "department_id"),
            "product": self.product, "segment": self.segment,
        }  # fmt: skip
        return {k: v or None for k, v in values.items()}

    def shown(self, start: datetime, end: datetime) -> dict[str, str]:
        """The form's values, with the window's dates filled in."""
        return asdict(self) | {
            "date_from": start.date().isoformat(),
            "date_to": (end - timedelta(days=1)).date().isoformat(),
        }


def _day(value: str, default: date, tz: ZoneInfo, field: str) -> datetime:
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError as exc:
        raise invalid(field, "a date, YYYY-MM-DD") from exc
    return datetime.combine(day, time.min, tz)


def _choices(db: DbSession, org_id: int) -> dict[str, Any]:
    """What the filter form offers: the channels, the departments, the branches and the
    customer segments seen."""
    from voxloop.feedback import service as feedback  # the pages read each domain's names

    departments = db.execute(
        select(Department.id, Department.name, Department.name_en)
        .where(Department.org_id == org_id)
        .order_by(Department.name)
    ).all()
    with store.connect(read_only=True) as conn:
        segments = conn.execute(
            "SELECT DISTINCT segment FROM customer_facts WHERE org_id = ? AND segment IS NOT NULL ORDER BY 1",
            [org_id],
        ).fetchall()
    branches = accounts.list_branches(db=db, org_id=org_id)
    cities = sorted({b.city for b in branches if b.city})
    return {
        "departments": departments, "branches": branches, "cities": cities,
        "segments": [s for (s,) in segments], "channels": feedback.active_channels(db=db, org_id=org_id),
    }  # fmt: skip


def _group_names(db: DbSession, org_id: int, group_by: str, locale: str, groups: Any) -> dict[str, str]:
    """What the page calls each group of the volume chart, in its language (the value itself
    where it has no name: a touchpoint, "—")."""
    from voxloop.feedback import service as feedback  # the pages read each domain's names
    from voxloop.triage import service as triage
    from voxloop.web.render import SENTIMENT_LABELS, TYPE_LABELS, vocabulary_names

    entries: dict[str, Any] = {}
    if group_by == "channel":
        entries = feedback.active_channels(db=db, org_id=org_id)
    elif group_by == "category":
        entries = {c.code: c for c in triage.list_categories(db=db, org_id=org_id)}
    own = vocabulary_names(org_id) if group_by == "type" else {}
    labels = {"type": TYPE_LABELS, "sentiment": SENTIMENT_LABELS}.get(group_by, {})
    names = {}
    for g in groups:
        if g in entries:
            names[g] = entries[g].name if locale == "zh_CN" else (entries[g].name_en or entries[g].name)
        elif (group_by, g) in own:
            zh, en = own[(group_by, g)]
            names[g] = zh if locale == "zh_CN" else (en or zh)
        else:
            names[g] = i18n.gettext(labels[g], locale) if g in labels else g
    return names


@router.get("/reports/volume", dependencies=[web_require("kpis.read")])
def volume_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    f: Annotated[Filters, Depends()],
    group_by: Annotated[str, Query(max_length=16)] = "type",
) -> Response:
    if group_by not in GROUPS:
        raise invalid("group_by", f"one of {', '.join(GROUPS)}")
    start, end = f.window(ZoneInfo(org.timezone))
    common: dict[str, Any] = {
        "org_id": org.id, "metric": "complaint_rate", "period": "week",
        "start": start, "end": end, "filters": f.for_query(), "tz": org.timezone,
    }  # fmt: skip
    rows = indicators.indicators(**common, group_by=group_by)
    totals = indicators.indicators(**common)
    weeks = [r["period"] for r in totals]
    series: dict[str, dict[str, int]] = {}
    for r in rows:
        series.setdefault(str(r["group"]) if r["group"] is not None else "—", {})[r["period"]] = r["n"]
    chart = (
        stats.p_chart([round(r["value"] * r["n"]) for r in totals], [r["n"] for r in totals])
        if totals
        else None
    )
    return page(
        request,
        "reports/volume.html",
        group_by=group_by,
        groups=GROUPS,
        names=_group_names(db, org.id, group_by, request_locale(request), series),
        weeks=weeks,
        series={g: [by_week.get(w, 0) for w in weeks] for g, by_week in sorted(series.items())},
        totals={g: sum(v.values()) for g, v in series.items()},
        rates=totals,
        p_chart=chart,
        params=f.shown(start, end),
        **_choices(db, org.id),
    )


@router.get("/reports/scorecard", dependencies=[web_require("kpis.read")])
def scorecard_page(
    request: Request, org: WebOrg, db: DbSession, f: Annotated[Filters, Depends()]
) -> Response:
    """The executive scorecard: each indicator this month with n and CI, against last month and
    the organization's target; each card opens the indicator's trend."""
    filters = f.for_query()
    goals = targets.targets_of(db, org.id)
    figures = indicators.scorecard(
        org_id=org.id, now=utcnow(), filters=filters, targets=goals, tz=org.timezone
    )
    locale = request_locale(request)
    cards = [
        {
            "metric": m.name, "label": i18n.gettext(m.label, locale), "fmt": m.fmt, **figures[m.name],
            "goal": goals.get(m.name),
        }
        for m in metrics.SCORECARD
    ]  # fmt: skip
    synced = store.path().stat().st_mtime if store.path().exists() else None
    return page(
        request,
        "reports/scorecard.html",
        cards=cards,
        by_department=_loop_by_department(db, org.id, filters, locale),
        nps_rows=figures["nps"]["rows"],
        synced=datetime.fromtimestamp(synced, UTC) if synced else None,
        params=asdict(f),
        query={k: v for k, v in asdict(f).items() if v},
        dates=False,
        **_choices(db, org.id),
    )


def _loop_by_department(db: DbSession, org_id: int, filters: dict[str, Any], locale: str) -> dict[str, Any]:
    """Closing the loop over the last 12 months, per department (that of the follow-up case,
    else of the case the survey asked about): each indicator with n and its 95 % interval."""
    end = utcnow()
    start = end - timedelta(days=365)
    figures = {
        m: indicators.by_group(
            org_id=org_id, metric=m, group_by="department_id", start=start, end=end, filters=filters
        )
        for m in metrics.FOLLOW_UP
    }
    names = {
        d.id: (d.name if locale == "zh_CN" or not d.name_en else d.name_en)
        for d in db.execute(
            select(Department.id, Department.name, Department.name_en).where(Department.org_id == org_id)
        )
    }
    seen = sorted({g for by in figures.values() for g in by}, key=lambda g: (g is None, names.get(g, "")))
    loop = [metrics.METRICS[m] for m in metrics.FOLLOW_UP]
    return {
        "metrics": [(m.name, i18n.gettext(m.label, locale), m.fmt) for m in loop],
        "rows": [(names.get(g, "—"), [figures[m.name].get(g) for m in loop]) for g in seen],
    }


def _until(period: str, first: str) -> str:
    """The last day of the week or month starting on `first`."""
    day = date.fromisoformat(first)
    if period == "week":
        return (day + timedelta(days=6)).isoformat()
    return day.replace(day=calendar.monthrange(day.year, day.month)[1]).isoformat()


def _drill(metric: str, filters: dict[str, Any]) -> dict[str, Any] | None:
    """Where a period's records are, and the names of its first and last day there: the chosen
    survey's responses; else the inbox, filtered as the metric declares (for a survey score,
    the cases its answers were about)."""
    kept = {k: v for k, v in filters.items() if v is not None}
    drill = metrics.METRICS[metric].drill
    if "survey_id" not in kept and drill is not None:
        return {"url": "/inbox", "query": kept | drill.query, "dates": list(drill.dates)}
    if "survey_id" in kept:
        return {
            "url": f"/surveys/{kept['survey_id']}/responses",
            "query": {},
            "dates": ["date_from", "date_to"],
        }
    return None


@router.get("/reports/trends", dependencies=[web_require("kpis.read")])
def trends_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    f: Annotated[Filters, Depends()],
    metric: Annotated[str, Query(max_length=32)] = "nps",
    period: Annotated[str, Query(max_length=8)] = "week",
    target: Annotated[str, Query(max_length=20)] = "",
    survey_id: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    if metric not in metrics.METRICS:
        raise invalid("metric", f"one of {', '.join(metrics.NAMES)}")
    if period not in TREND_PERIODS:
        raise invalid("period", f"one of {', '.join(TREND_PERIODS)}")
    try:
        goal = float(target) if target else targets.targets_of(db, org.id).get(metric)
    except ValueError as exc:
        raise invalid("target", "a number") from exc
    start, end = f.window(ZoneInfo(org.timezone), weeks=26 if period == "week" else 52)
    filters = f.for_query()
    scores = metric in metrics.SCORES
    if survey_id and (scores or metric in metrics.FOLLOW_UP):
        filters["survey_id"] = form_number(survey_id, "survey_id")
    try:
        rows = indicators.indicators(
            org_id=org.id, metric=metric, period=period, start=start, end=end, filters=filters,
            target=goal, tz=org.timezone,
        )  # fmt: skip
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise invalid(field, reason) from exc
    for r in rows:
        r["until"] = _until(period, r["period"])
    drill = _drill(metric, filters)
    surveys = (
        db.execute(
            select(Survey.id, Survey.name).where(Survey.org_id == org.id).order_by(Survey.id.desc())
        ).all()
        if scores or metric in metrics.FOLLOW_UP
        else []
    )
    return page(
        request,
        "reports/trends.html",
        metric=metric,
        metrics=metrics.NAMES,
        labels=metrics.LABELS,
        period=period,
        periods=TREND_PERIODS,
        rows=rows,
        chart=indicators.control_chart(metric, rows),
        goal=goal,
        target=target,
        drill=drill,
        rate=metrics.METRICS[metric].kind == "rate",
        surveys=surveys,
        survey_id=survey_id,
        params=f.shown(start, end),
        **_choices(db, org.id),
    )
