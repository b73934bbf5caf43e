"""REST API for indicators from the analytics store."""

from datetime import timedelta
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from voxloop.analytics import indicators as ind
from voxloop.analytics import targets
from voxloop.common.time import utcnow
from voxloop.deps import ApiOrg, DbSession, JsonBody, require
from voxloop.errors import Busy, invalid

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Filter = Annotated[str | None, Query(max_length=200)]


@router.get("/indicators", dependencies=[require("kpis.read")])
def get_indicators(
    org: ApiOrg,
    db: DbSession,
    metric: Annotated[str, Query(max_length=32)],
    period: Annotated[str, Query(max_length=8)] = "month",
    group_by: Annotated[str | None, Query(max_length=32)] = None,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
    channel: Filter = None,
    branch: Filter = None,
    city: Filter = None,
    language: Filter = None,
    survey_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    department_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    product: Filter = None,
    touchpoint: Filter = None,
    segment: Filter = None,
    value_tier: Filter = None,
    region: Filter = None,
    target: Annotated[float | None, Query(ge=-100, le=100)] = None,
) -> dict[str, Any]:
    """NPS, CSAT, CES, the complaint rate, the negative share or commitment compliance per
    period (and group), each with n, a 95 % interval and the p value of the change from the
    previous period; against a target or benchmark (`target`, else the organization's own) the
    p value of the difference from it. Rates and targets for them are shares 0-1. Filters:
    channel, branch, the branch's city, language, department, product, touchpoint, and the
    customer's segment, value tier and region. Reads the analytics store (`voxloop analytics
    sync`; workers keep it current)."""
    end = to or utcnow()
    start = from_ or end - timedelta(days=365)
    filters = {
        "channel": channel, "branch": branch, "city": city, "language": language, "survey_id": survey_id,
        "department_id": department_id, "product": product, "touchpoint": touchpoint,
        "segment": segment, "value_tier": value_tier, "region": region,
    }  # fmt: skip
    if target is None:
        target = targets.targets_of(db, org.id).get(metric)
    try:
        rows = ind.indicators(
            org_id=org.id,
            metric=metric,
            period=period,
            group_by=group_by,
            start=start,
            end=end,
            filters=filters,
            target=target,
            tz=org.timezone,
        )
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise invalid(field, reason) from exc
    except duckdb.IOException as exc:  # a sync in another process holds the store for a moment
        raise Busy(headers={"Retry-After": "2"}) from exc
    return {"metric": metric, "period": period, "group_by": group_by, "target": target, "rows": rows}


@router.get("/targets", dependencies=[require("kpis.read")])
def get_targets(org: ApiOrg, db: DbSession) -> dict[str, float]:
    """The organization's targets (or benchmarks) per metric, which trends are tested against."""
    return targets.targets_of(db, org.id)


@router.put("/targets", dependencies=[JsonBody, require("admin.manage")])
def put_targets(org: ApiOrg, body: dict[str, Any], db: DbSession) -> dict[str, float]:
    """Set the targets: e.g. `{"nps": 40, "csat": 4.2, "complaint_rate": 0.15}` (NPS in points,
    means on their scale, rates as shares 0-1). Metrics left out have no target."""
    result = targets.set_targets(db, org.id, body)
    db.commit()
    return result
