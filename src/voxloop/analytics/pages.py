"""The feedback volume dashboard: records per week by type, category, channel, touchpoint or
sentiment, with filters, n everywhere, a p-chart of the complaint rate, and every bar opening
the inbox filtered to the records behind it. Read from the analytics store."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from voxloop.analytics import indicators, stats
from voxloop.errors import invalid
from voxloop.web.pages import WebOrg, page, web_require

router = APIRouter(include_in_schema=False)
GROUPS = ("type", "category", "channel", "touchpoint", "sentiment")
Filter = Annotated[str | None, Query(max_length=200)]


def _day(value: str | None, default: date, tz: ZoneInfo, field: str) -> datetime:
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError as exc:
        raise invalid(field, "a date, YYYY-MM-DD") from exc
    return datetime.combine(day, time.min, tz)


@router.get("/reports/volume", dependencies=[web_require("kpis.read")])
def volume_page(
    request: Request,
    org: WebOrg,
    group_by: Annotated[str, Query(max_length=16)] = "type",
    date_from: Filter = None,
    date_to: Filter = None,
    channel: Filter = None,
    branch: Filter = None,
    language: Filter = None,
) -> Response:
    if group_by not in GROUPS:
        raise invalid("group_by", f"one of {', '.join(GROUPS)}")
    tz = ZoneInfo(org.timezone)
    today = datetime.now(tz).date()
    start = _day(date_from, today - timedelta(weeks=12), tz, "date_from")
    end = _day(date_to, today, tz, "date_to") + timedelta(days=1)
    filters = {"channel": channel or None, "branch": branch or None, "language": language or None}
    common: dict[str, Any] = {
        "org_id": org.id, "metric": "complaint_rate", "period": "week",
        "start": start, "end": end, "filters": filters,
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
        weeks=weeks,
        series={g: [by_week.get(w, 0) for w in weeks] for g, by_week in sorted(series.items())},
        totals={g: sum(v.values()) for g, v in series.items()},
        rates=totals,
        p_chart=chart,
        params={
            "date_from": start.date().isoformat(),
            "date_to": (end - timedelta(days=1)).date().isoformat(),
            "channel": channel or "",
            "branch": branch or "",
            "language": language or "",
        },  # fmt: skip
    )
