"""The routing rules page for managers: which department a record goes to, and a sample to try
the rules on before they route anything."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization
from voxloop.common.types import PathId, whole_number
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.feedback import service as feedback
from voxloop.routing import rules as routing_rules
from voxloop.routing import service
from voxloop.triage import service as triage
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, form_number, page, web_require

router = APIRouter(include_in_schema=False)


def _list(value: str) -> list[str]:
    """A comma-separated form field (Chinese commas too) as a list."""
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


@router.get("/admin/routing", dependencies=[web_require("triage.manage")])
def routing_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    text: Annotated[str, Query(max_length=5000)] = "",
    category: Annotated[str, Query(max_length=40)] = "",
    priority: Annotated[str, Query(max_length=2)] = "",
    channel: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return _routing(
        request,
        org,
        db,
        sample={"text": text, "category": category, "priority": priority, "channel": channel},
    )


def _routing(
    request: Request,
    org: Organization,
    db: Session,
    sample: dict[str, str],
    errors: Any = None,
    status_code: int = 200,
) -> Response:
    hits = None
    if any(sample.values()):
        subject = routing_rules.Subject(
            text=sample["text"],
            category=sample["category"] or None,
            priority=p if isinstance(p := whole_number(sample["priority"]), int) else None,
            channel=sample["channel"] or None,
        )
        hits = service.test_rules(db=db, org_id=org.id, subject=subject)
    return page(
        request,
        "admin/routing.html",
        status_code=status_code,
        rules=service.list_rules(db=db, org_id=org.id),
        departments={d.id: d for d in accounts.list_departments(db=db, org_id=org.id)},
        conditions=list(routing_rules.CONDITIONS),
        strategies=routing_rules.STRATEGIES,
        categories=triage.list_categories(db=db, org_id=org.id),
        channels=feedback.active_channels(db=db, org_id=org.id),
        sample=sample,
        hits=hits,
        errors=errors,
    )


@router.post("/admin/routing", dependencies=[Csrf, web_require("triage.manage")])
def routing_create(request: Request, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm) -> Response:
    match: dict[str, list[Any]] = {}
    for key in routing_rules.CONDITIONS:
        values = _list(str(form.get(key, "")))
        if values:
            match[key] = [whole_number(v) if key == "priority" else v for v in values]
    department = str(form.get("department_id", ""))
    try:
        service.create_rule(
            db=db,
            org_id=org.id,
            actor=actor,
            name=str(form.get("name", "")),
            match=match,
            department_id=form_number(department, "department_id") or 0,
            strategy=str(form.get("strategy", "round_robin")),
        )
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        empty = {"text": "", "category": "", "priority": "", "channel": ""}
        return _routing(request, org, db, empty, errors=exc.form_errors(), status_code=exc.status_code)
    return RedirectResponse("/admin/routing", status_code=303)


@router.post("/admin/routing/{rule_id}/delete", dependencies=[Csrf, web_require("triage.manage")])
def routing_delete(rule_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    service.delete_rule(db=db, org_id=org.id, actor=actor, rule_id=rule_id)
    db.commit()
    return RedirectResponse("/admin/routing", status_code=303)
