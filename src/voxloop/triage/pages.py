"""The triage administration page: the organization's rules (which type, category, severity a
record gets from its words), its own categories, and a sample to try the rules on."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.common.text_checks import clean_text
from voxloop.common.types import PathId, whole_number
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.feedback import service as feedback
from voxloop.triage import rules as triage_rules
from voxloop.triage import service
from voxloop.web.forms import form_errors
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, page, web_require

router = APIRouter(include_in_schema=False)
_KEYWORD_SEPARATORS = re.compile(r"[,，、\n]")


@router.get("/admin/triage", dependencies=[web_require("triage.manage")])
def triage_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    sample: Annotated[str | None, Query(max_length=10_000)] = None,
    sample_channel: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _triage_page(request, org, db, sample=sample or "", sample_channel=sample_channel or "")


def _triage_page(
    request: Request,
    org: Organization,
    db: Session,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    sample: str = "",
    sample_channel: str = "",
    category_errors: list[dict[str, str]] | None = None,
    category_values: dict[str, str] | None = None,
) -> Response:
    # Not a route: the errors come from this server, never from the request.
    result, sample_errors = None, []
    if sample.strip():
        try:
            text = clean_text(sample)
        except ValueError as exc:
            sample_errors = [{"field": "sample", "reason": str(exc)}]
        else:
            result = service.test_rules(db=db, org_id=org.id, text=text, channel=sample_channel)
    categories = service.list_categories(db=db, org_id=org.id)
    return page(
        request,
        "admin/triage.html",
        status_code=status_code,
        rules=service.list_rules(db=db, org_id=org.id),
        categories=categories,
        category_by_code={c.code: c for c in categories},
        channels=feedback.active_channels(db=db, org_id=org.id),
        types=triage_rules.TYPES,
        sentiments=triage_rules.SENTIMENTS,
        levels=triage_rules.LEVELS,
        scopes=triage_rules.SCOPES,
        fields=triage_rules.FIELDS,
        alarms=triage_rules.ALARMS,
        errors=errors or [],
        values=values or {},
        sample=sample,
        sample_channel=sample_channel,
        sample_errors=sample_errors,
        result=result,
        category_errors=category_errors or [],
        category_values=category_values or {},
    )


@router.post("/admin/triage", dependencies=[Csrf, web_require("triage.manage")])
def triage_rule_create(
    request: Request, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    match: dict[str, Any] = {}
    keywords = [k.strip() for k in _KEYWORD_SEPARATORS.split(values.get("keywords", "")) if k.strip()]
    if keywords:
        match["keywords"] = keywords
    if values.get("pattern", "").strip():
        match["pattern"] = values["pattern"].strip()
    if values.get("channel", "").strip():
        match["channels"] = [values["channel"].strip()]
    sets: dict[str, Any] = {}
    for key in triage_rules.FIELDS:
        raw = values.get(key, "").strip()
        if raw:  # a severity or urgency as a number; anything else is left for the check
            sets[key] = whole_number(raw) if key in ("severity", "urgency") else raw
    try:
        service.create_rule(
            db=db, org_id=org.id, actor=actor, name=values.get("name", ""), match=match, sets=sets
        )
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        errors = form_errors(exc)
        return _triage_page(request, org, db, errors=errors, values=values, status_code=exc.status_code)
    return RedirectResponse("/admin/triage", status_code=303)


@router.post("/admin/triage/categories", dependencies=[Csrf, web_require("triage.manage")])
def triage_category_create(
    request: Request, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    """A category of the organization's own (its rules, people and the learned model may then
    set it), added from the list of categories."""
    values = {k: str(form.get(k, "")).strip()[:200] for k in ("code", "name", "name_en")}
    try:
        service.create_category(db=db, org_id=org.id, actor=actor, **values)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        errors = form_errors(exc)
        return _triage_page(
            request, org, db, category_errors=errors, category_values=values, status_code=exc.status_code
        )
    return RedirectResponse("/admin/triage#categories", status_code=303)


@router.post("/admin/triage/{rule_id}/delete", dependencies=[Csrf, web_require("triage.manage")])
def triage_rule_delete(rule_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    service.delete_rule(db=db, org_id=org.id, actor=actor, rule_id=rule_id)
    db.commit()
    return RedirectResponse("/admin/triage", status_code=303)
