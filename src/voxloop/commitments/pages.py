"""The SLA overview page for managers (breached and at-risk cases, compliance, workload), and
the record page's service remedies (propose, approve, deliver, decline)."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from voxloop.commitments import overview, remedies
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.web.pages import Csrf, WebActor, WebOrg, page, web_require

Opt = Annotated[str, Form()]

router = APIRouter(include_in_schema=False)


@router.get("/reports/sla", dependencies=[web_require("kpis.read")])
def sla_page(
    request: Request, org: WebOrg, db: DbSession, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> Response:
    return page(request, "reports/sla.html", sla=overview.get(db=db, org_id=org.id, days=days), days=days)


@router.post("/feedback/{feedback_id}/remedies", dependencies=[Csrf, web_require("feedback.handle")])
def remedy_propose(
    feedback_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    kind: Opt = "",
    amount: Opt = "",
    message: Opt = "",
) -> Response:
    remedies.propose(
        db=db,
        org_id=org.id,
        actor=actor,
        feedback_id=feedback_id,
        kind=kind.strip(),
        amount=amount.strip()[:40] or None,
        message=message.strip()[:4000],
    )
    db.commit()
    return RedirectResponse(f"/feedback/{feedback_id}", status_code=303)


@router.post("/remedies/{remedy_id}", dependencies=[Csrf, web_require("feedback.handle")])
def remedy_move(
    remedy_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    status: Opt = "",
    amount: Opt = "",
    note: Opt = "",
) -> Response:
    remedy = remedies.move(
        db=db,
        org_id=org.id,
        actor=actor,
        remedy_id=remedy_id,
        status=status.strip(),
        amount=amount.strip()[:40] or None,
        note=note.strip()[:4000] or None,
    )
    db.commit()
    return RedirectResponse(f"/feedback/{remedy.feedback_id}", status_code=303)
