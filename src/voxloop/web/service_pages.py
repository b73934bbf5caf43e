"""Pages for routing rules, working calendars and commitments (managers), and the public page
where an organization publishes its commitments and how well it keeps them."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.accounts import service as accounts
from voxloop.commitments import calendar
from voxloop.commitments import service as commitments
from voxloop.common.types import PathId, whole_number
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, NotFound, VoxloopError
from voxloop.feedback import service as feedback
from voxloop.routing import rules as routing_rules
from voxloop.routing import service as routing
from voxloop.triage import rules as triage_rules
from voxloop.triage import service as triage
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, form_number, page, web_require

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
STEPS = ("first_response", "next_response", "resolution", "dispatch", "handling")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _list(value: str) -> list[str]:
    """A comma-separated form field (Chinese commas too) as a list."""
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


# -- routing ------------------------------------------------------------------------------------


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
    request: Request, org: Any, db: Any, sample: dict[str, str], errors: Any = None, status_code: int = 200
) -> Response:
    hits = None
    if any(sample.values()):
        subject = routing_rules.Subject(
            text=sample["text"],
            category=sample["category"] or None,
            priority=p if isinstance(p := whole_number(sample["priority"]), int) else None,
            channel=sample["channel"] or None,
        )
        hits = routing.test_rules(db=db, org_id=org.id, subject=subject)
    return page(
        request,
        "admin/routing.html",
        status_code=status_code,
        rules=routing.list_rules(db=db, org_id=org.id),
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
        routing.create_rule(
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
    return _redirect("/admin/routing")


@router.post("/admin/routing/{rule_id}/delete", dependencies=[Csrf, web_require("triage.manage")])
def routing_delete(rule_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    routing.delete_rule(db=db, org_id=org.id, actor=actor, rule_id=rule_id)
    db.commit()
    return _redirect("/admin/routing")


# -- calendars and commitments ------------------------------------------------------------------


def _hours_text(spans: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


@router.get("/admin/commitments", dependencies=[web_require("commitments.manage")])
def commitments_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _commitments(request, org, db)


def _commitments(request: Request, org: Any, db: Any, errors: Any = None, status_code: int = 200) -> Response:
    cals = commitments.list_calendars(db=db, org_id=org.id)
    return page(
        request,
        "admin/commitments.html",
        status_code=status_code,
        calendars=cals,
        calendar_names={c.id: c.name for c in cals},
        weekdays=calendar.WEEKDAYS,
        hours_text=_hours_text,
        commitments=commitments.list_commitments(db=db, org_id=org.id),
        steps=STEPS,
        channels=feedback.active_channels(db=db, org_id=org.id),
        types=triage_rules.TYPES,
        remedies=commitments.REMEDIES,
        errors=errors,
    )


@router.post("/admin/calendars/{calendar_id}", dependencies=[Csrf, web_require("commitments.manage")])
def calendar_update(
    request: Request, calendar_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    hours: dict[str, list[list[str]]] = {}
    for day in calendar.WEEKDAYS:  # "09:00-12:00, 13:00-18:00"
        hours[day] = []
        for span in _list(str(form.get(f"hours_{day}", ""))):
            start, _, end = span.partition("-")
            hours[day].append([start.strip(), end.strip()])
    rules = {
        "time_zone": str(form.get("time_zone", "")).strip(),
        "hours": hours,
        "country": str(form.get("country", "")).strip().upper() or None,
        "extra_holidays": _list(str(form.get("extra_holidays", ""))),
        "extra_workdays": _list(str(form.get("extra_workdays", ""))),
    }
    try:
        commitments.update_calendar(db=db, org_id=org.id, actor=actor, calendar_id=calendar_id, rules=rules)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _commitments(request, org, db, errors=exc.form_errors(), status_code=exc.status_code)
    return _redirect("/admin/commitments")


@router.post(
    "/admin/commitments/{commitment_id}/remedies", dependencies=[Csrf, web_require("commitments.manage")]
)
def commitment_remedies(
    request: Request, commitment_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    kinds = [str(v) for v in form.getlist("remedies") if str(v)]
    try:
        commitments.set_remedies(db=db, org_id=org.id, actor=actor, commitment_id=commitment_id, kinds=kinds)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _commitments(request, org, db, errors=exc.form_errors(), status_code=exc.status_code)
    return _redirect("/admin/commitments")


@router.post("/admin/commitments", dependencies=[Csrf, web_require("commitments.manage")])
def commitment_create(
    request: Request, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    match: dict[str, list[Any]] = {}
    for key in ("channel", "type", "priority"):
        values = [str(v).strip() for v in form.getlist(key) if str(v).strip()]
        if values:
            match[key] = [whole_number(v) if key == "priority" else v for v in values]
    data: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "name_en": str(form.get("name_en", "")).strip(),
        "description": str(form.get("description", "")).strip(),
        "calendar_id": c if isinstance(c := whole_number(str(form.get("calendar_id", ""))), int) else 0,
        "match": match,
        "remedies": [str(v) for v in form.getlist("remedies") if str(v)],
        "is_public": bool(form.get("is_public")),
    }
    errors = []
    for step in STEPS:
        minutes = whole_number(str(form.get(f"{step}_minutes", "")))
        if minutes != "" and not (isinstance(minutes, int) and 0 < minutes <= 525_600):
            errors.append({"field": f"{step}_minutes", "reason": "minutes between 1 and 525600"})
        data[f"{step}_minutes"] = minutes if isinstance(minutes, int) else None
    if not data["name"]:
        errors.append({"field": "name", "reason": "is required"})
    try:
        if errors:
            raise InvalidInput(fields=errors)
        commitments.create_commitment(db=db, org_id=org.id, actor=actor, data=data)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _commitments(request, org, db, errors=exc.form_errors(), status_code=exc.status_code)
    return _redirect("/admin/commitments")


# -- public -------------------------------------------------------------------------------------


@router.get("/commitments/{org_slug}")
def public_commitments_page(request: Request, org_slug: str, db: DbSession) -> Response:
    """The commitments an organization publishes, with the share kept over 90 days."""
    org = accounts.get_org_by_slug(db=db, slug=org_slug)
    if org is None:
        raise NotFound()
    published = commitments.published(db=db, org_id=org.id)
    return page(
        request,
        "public_commitments.html",
        form_org=org,
        commitments=published.commitments,
        kept=published.kept,
        calendars=published.calendars,
        weekdays=calendar.WEEKDAYS,
        hours_text=_hours_text,
    )
