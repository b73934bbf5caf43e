"""The SLA overview page for managers (breached and at-risk cases, compliance, workload), the
record page's service remedies (propose, approve, deliver, decline), the working calendars and
commitments managers set, and the public page where an organization publishes its commitments
and how well it keeps them."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization
from voxloop.commitments import calendar, overview, remedies
from voxloop.commitments import service as commitments
from voxloop.common.types import PathId, whole_number
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, NotFound, VoxloopError
from voxloop.feedback import service as feedback
from voxloop.triage import rules as triage_rules
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, page, web_require

Opt = Annotated[str, Form()]
STEPS = ("first_response", "next_response", "resolution", "dispatch", "handling")

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


# -- calendars and commitments ------------------------------------------------------------------


def _list(value: str) -> list[str]:
    """A comma-separated form field (Chinese commas too) as a list."""
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


def _hours_text(spans: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


@router.get("/admin/commitments", dependencies=[web_require("commitments.manage")])
def commitments_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _commitments(request, org, db)


def _commitments(
    request: Request, org: Organization, db: Session, errors: Any = None, status_code: int = 200
) -> Response:
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
    return RedirectResponse("/admin/commitments", status_code=303)


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
    return RedirectResponse("/admin/commitments", status_code=303)


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
    return RedirectResponse("/admin/commitments", status_code=303)


# -- public -------------------------------------------------------------------------------------


def _publishing_org(org_slug: str, db: DbSession) -> Organization:
    """The organization whose commitments page `org_slug` names."""
    org = accounts.get_org_by_slug(db=db, slug=org_slug)
    if org is None:
        raise NotFound()
    return org


@router.get("/commitments/{org_slug}")
def public_commitments_page(
    request: Request, org: Annotated[Organization, Depends(_publishing_org)], db: DbSession
) -> Response:
    """The commitments an organization publishes, with the share kept over 90 days."""
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
