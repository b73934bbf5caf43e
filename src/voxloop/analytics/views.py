"""REST API for indicators from the analytics store."""

from datetime import timedelta
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from voxloop.analytics import indicators as ind
from voxloop.common.time import utcnow
from voxloop.deps import ApiOrg, require
from voxloop.errors import Busy, invalid

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Filter = Annotated[str | None, Query(max_length=200)]


@router.get("/indicators", dependencies=[require("kpis.read")])
def get_indicators(
    org: ApiOrg,
    metric: Annotated[str, Query(max_length=32)],
    period: Annotated[str, Query(max_length=8)] = "month",
    group_by: Annotated[str | None, Query(max_length=32)] = None,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
    channel: Filter = None,
    branch: Filter = None,
    language: Filter = None,
    survey_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> dict[str, Any]:
    """NPS, CSAT, CES or the complaint rate per period (and group), each with n, a 95 %
    interval and the p value of the change from the previous period. Reads the analytics store
    (`voxloop analytics sync`; workers keep it current)."""
    end = to or utcnow()
    start = from_ or end - timedelta(days=365)
    filters = {"channel": channel, "branch": branch, "language": language, "survey_id": survey_id}
    try:
        rows = ind.indicators(
            org_id=org.id,
            metric=metric,
            period=period,
            group_by=group_by,
            start=start,
            end=end,
            filters=filters,
        )
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise invalid(field, reason) from exc
    except duckdb.IOException as exc:  # a sync in another process holds the store for a moment
        raise Busy(headers={"Retry-After": "2"}) from exc
    return {"metric": metric, "period": period, "group_by": group_by, "rows": rows}
