"""Improvement pages: the list, starting an initiative from an alert, and its progress page
with the actions, the before/after test, the control chart and the verdict."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.accounts import service as accounts
from voxloop.analytics import metrics
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.initiatives import service
from voxloop.web.pages import Csrf, WebActor, WebOrg, form_number, page, web_require

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300)]


@router.get("/improvement", dependencies=[web_require("kpis.read")])
def list_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return page(
        request,
        "improvement/list.html",
        initiatives=service.list_initiatives(db=db, org_id=org.id),
        labels=metrics.LABELS,
        rates=service.RATES,
    )


@router.post("/improvement", dependencies=[Csrf, web_require("triage.manage")])
def create(
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    title: Text,
    origin_kind: Text,
    origin_ref: Annotated[str, Form(max_length=200)] = "",
    target_value: Annotated[str, Form(max_length=20)] = "",
    cut: Annotated[str, Form(max_length=20)] = "",
    deadline: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """From an alert the goal is a cut of the baseline ("down 50 %"), from the list a target
    share; both forms ask for percentages."""
    try:
        goal = {"cut": float(cut) / 100} if cut else {"target_value": float(target_value) / 100}
        due = date.fromisoformat(deadline)
    except ValueError:
        return page(
            request,
            "improvement/list.html",
            status_code=422,
            initiatives=service.list_initiatives(db=db, org_id=org.id),
            labels=metrics.LABELS,
            rates=service.RATES,
            errors=["target_value / cut / deadline: a percentage and a date (YYYY-MM-DD)"],
        )
    data = {
        "title": title,
        "origin_kind": origin_kind,
        "origin_ref": origin_ref or None,
        "deadline": due,
        **goal,
    }
    try:
        initiative = service.create(db=db, org_id=org.id, actor=actor, data=data)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        errors = [f"{f['field']}: {f['reason']}" for f in exc.fields] or [exc.message]
        return page(request, "improvement/list.html", status_code=exc.status_code,
                    initiatives=service.list_initiatives(db=db, org_id=org.id), labels=metrics.LABELS,
                    rates=service.RATES, errors=errors)  # fmt: skip
    return RedirectResponse(f"/improvement/{initiative.id}", status_code=303)


@router.get("/improvement/{initiative_id}", dependencies=[web_require("kpis.read")])
def detail(initiative_id: PathId, request: Request, org: WebOrg, db: DbSession) -> Response:
    initiative = service.get(db=db, org_id=org.id, initiative_id=initiative_id)
    return page(
        request,
        "improvement/detail.html",
        initiative=initiative,
        actions=service.actions(db=db, org_id=org.id, initiative_id=initiative.id),
        linked=service.linked_count(db=db, initiative_id=initiative.id),
        result=service.evaluate(db=db, org_id=org.id, initiative=initiative),
        steps=service.PROCESS_STEPS,
        labels=metrics.LABELS,
        rates=service.RATES,
        users={u.id: u for u in accounts.list_users(db=db, org_id=org.id)},
    )


@router.post("/improvement/{initiative_id}/actions", dependencies=[Csrf, web_require("triage.manage")])
def add_action(
    initiative_id: PathId,
    org: WebOrg,
    db: DbSession,
    title: Text,
    process_step: Text,
    due: Annotated[str, Form(max_length=10)] = "",
    owner_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        when = date.fromisoformat(due) if due else None
    except ValueError:
        when = None
    service.add_action(
        db=db,
        org_id=org.id,
        initiative_id=initiative_id,
        title=title,
        process_step=process_step,
        owner_id=form_number(owner_id, "owner_id"),
        due=when,
    )
    db.commit()
    return RedirectResponse(f"/improvement/{initiative_id}", status_code=303)


@router.post(
    "/improvement/{initiative_id}/actions/{action_id}", dependencies=[Csrf, web_require("feedback.handle")]
)
def set_action(
    initiative_id: PathId, action_id: PathId, org: WebOrg, db: DbSession, status: Text
) -> Response:
    service.update_action(db=db, org_id=org.id, action_id=action_id, status=status)
    db.commit()
    return RedirectResponse(f"/improvement/{initiative_id}", status_code=303)


@router.post("/improvement/{initiative_id}/close", dependencies=[Csrf, web_require("triage.manage")])
def close(initiative_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    service.close(db=db, org_id=org.id, actor=actor, initiative_id=initiative_id)
    db.commit()
    return RedirectResponse(f"/improvement/{initiative_id}", status_code=303)
