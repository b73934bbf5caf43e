"""The audit log page: who changed what in the organization, newest first."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from voxloop.audit import service
from voxloop.deps import DbSession
from voxloop.web.pages import WebOrg, page, web_require

router = APIRouter(include_in_schema=False)


@router.get("/admin/audit", dependencies=[web_require("audit.read")])
def audit_page(request: Request, org: WebOrg, db: DbSession, entity: str | None = None) -> Response:
    return page(
        request,
        "admin/audit.html",
        entries=service.list(db=db, org_id=org.id, entity=entity or None),
        entity=entity or "",
    )
