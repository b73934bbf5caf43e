"""The SLA overview page for managers: breached and at-risk cases, compliance, workload."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from voxloop.commitments import overview
from voxloop.deps import DbSession
from voxloop.web.pages import WebOrg, page, web_require

router = APIRouter(include_in_schema=False)


@router.get("/reports/sla", dependencies=[web_require("kpis.read")])
def sla_page(
    request: Request, org: WebOrg, db: DbSession, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> Response:
    return page(request, "reports/sla.html", sla=overview.get(db=db, org_id=org.id, days=days), days=days)
