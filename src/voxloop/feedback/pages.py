"""The staff's feedback pages: the inbox, its forms (one action on the chosen records, a
person's saved views), the record page and the changes made on it, attachments; the form staff
record feedback with (a call, a visit, a letter); and the administration of the intake channels."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Branch, Organization
from voxloop.cases import bulk, workflow
from voxloop.cases import service as cases
from voxloop.cases.schemas import MAX_POINTS
from voxloop.commitments import clocks, overview, remedies
from voxloop.commitments.service import REMEDIES
from voxloop.common.i18n import N_
from voxloop.common.types import PathId, whole_number
from voxloop.config import get_settings
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, NotFound, PermissionDenied, VoxloopError, invalid
from voxloop.feedback import attachments, flows, service
from voxloop.feedback.forms import blobs, fields_from_form
from voxloop.feedback.models import STATUSES, Attachment, Channel, Feedback, FeedbackEvent
from voxloop.feedback.schemas import InboxQuery
from voxloop.feedback.tasks import tracking_url
from voxloop.routing import service as routing
from voxloop.text import service as text_service
from voxloop.triage import rules as triage_rules
from voxloop.triage import service as triage
from voxloop.web.forms import form_errors
from voxloop.web.forms import note_text as _note
from voxloop.web.pages import (
    Csrf,
    WebActor,
    WebForm,
    WebOrg,
    WebUser,
    form_number,
    fragment,
    in_place,
    page,
    web_require,
)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]

# Refusals the notice lists one by one; the rest are counted.
NOTICE_REFUSALS = 20


def _inbox(query: str) -> RedirectResponse:
    """Back to the inbox with `query`'s filters: the path is always the inbox's own."""
    try:
        kept = urlencode(parse_qsl(query[:4000], max_num_fields=60))
    except ValueError:  # more fields than any inbox link has: the plain inbox
        kept = ""
    return RedirectResponse("/inbox" + (f"?{kept}" if kept else ""), status_code=303)


def _ids(values: Sequence[object], field: str) -> list[int]:
    return [n for v in values if (n := form_number(v, field)) is not None]


@router.post("/inbox/bulk", dependencies=[Csrf, web_require("feedback.read")])
def bulk_action(
    request: Request, org: WebOrg, me: WebUser, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    """The chosen records (or every one shown, with "select all" and no script) get the
    action of the button pressed; the inbox then says what was done and what was refused."""
    action = str(form.get("action", ""))
    needs = bulk.PERMISSIONS.get(action)
    if needs is None:
        raise invalid("action", f"one of {', '.join(bulk.PERMISSIONS)}")
    if not me.can(needs):
        raise PermissionDenied()
    chosen = "shown" if form.get("select_all") else "ids"
    owner = str(form.get("assignee_id", "")).strip()
    outcome = bulk.apply(
        db=db,
        org_id=org.id,
        actor=actor,
        action=action,
        feedback_ids=_ids(form.getlist(chosen), chosen),
        assignee_id=me.id if owner == "me" else form_number(owner, "assignee_id"),
        to=str(form.get("to", "")),
        department_id=form_number(form.get("department_id", ""), "department_id"),
        primary_id=form_number(form.get("primary_id", ""), "primary_id"),
    )
    db.commit()
    request.session[bulk.NOTICE] = {
        "action": action,
        "changed": len(outcome.changed),
        "to": str(form.get("to", "")),
        "into": outcome.into,
        "refused": [[r.feedback_id, r.reason, r.status] for r in outcome.refused[:NOTICE_REFUSALS]],
        "more": max(0, len(outcome.refused) - NOTICE_REFUSALS),
    }
    return _inbox(str(form.get("back", "")))


@router.post("/inbox/views", dependencies=[Csrf, web_require("feedback.read")])
def save_view(org: WebOrg, me: WebUser, db: DbSession, name: Text = "", query: Text = "") -> Response:
    """Save the inbox's filters in force under a name; the inbox then opens with them."""
    checked = service.check_view_query(query, me_id=me.id, tz=org.timezone)
    service.create_saved_view(db=db, org_id=org.id, user_id=me.id, name=name, query=checked)
    db.commit()
    return _inbox(checked)


@router.post("/inbox/views/{view_id}/delete", dependencies=[Csrf, web_require("feedback.read")])
def delete_view(view_id: PathId, org: WebOrg, me: WebUser, db: DbSession, back: Text = "") -> Response:
    service.delete_saved_view(db=db, org_id=org.id, user_id=me.id, view_id=view_id)
    db.commit()
    return _inbox(back)


# -- staff entry --------------------------------------------------------------------------------
# Before any /feedback/{feedback_id} route: "new" is not a record's number.


@router.get("/feedback/new", dependencies=[web_require("feedback.create")])
def entry_form(request: Request, org: WebOrg, db: DbSession, channel: str = "hotline") -> Response:
    staff = _staff_channels(db, org.id)
    return page(
        request,
        "entry.html",
        staff_channels=staff,
        channel=channel if channel in staff else "hotline",
        values={},
        errors=[],
        branches=_branches(db, org.id),
    )


def _branches(db: Session, org_id: int) -> list[Branch]:
    """The active branches a form offers as a list (empty: the organization keeps none, and
    the form asks where in its own words)."""
    return accounts.list_branches(db=db, org_id=org_id, active_only=True)


def _staff_channels(db: Session, org_id: int) -> dict[str, Channel]:
    return {k: c for k, c in service.active_channels(db=db, org_id=org_id).items() if c.staff_entry}


@router.post("/feedback/new", dependencies=[Csrf, web_require("feedback.create")])
def entry_submit(
    request: Request, org: WebOrg, user: WebUser, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    staff = _staff_channels(db, org.id)
    channel = values.get("channel", "")
    try:
        if channel not in staff:
            raise InvalidInput(fields=[{"field": "channel", "reason": "choose a staff-entry channel"}])
        data = fields_from_form(values)
        files = blobs([f for f in form.getlist("attachments") if isinstance(f, UploadFile)])
        received_at = _parse_datetime_local(values.get("received_at"), org.timezone)
        draft = flows.draft_from(data, channel=channel, channels=staff, blobs=files, received_at=received_at)
    except (ValidationError, VoxloopError) as exc:
        return page(
            request,
            "entry.html",
            status_code=422,
            staff_channels=staff,
            channel=channel,
            values=values,
            errors=form_errors(exc),
            branches=_branches(db, org.id),
        )
    created = flows.receive(db=db, org=org, actor=actor, drafts=[draft], recorded_by_id=user.id)[0]
    return RedirectResponse(f"/feedback/{created.id}?created=1", status_code=303)


def _parse_datetime_local(value: str | None, tz: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            fields=[{"field": "received_at", "reason": "use the date and time picker"}]
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


# -- channels -----------------------------------------------------------------------------------


@router.get("/admin/channels", dependencies=[web_require("admin.manage")])
def channels_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    form_url = f"{get_settings().base_url.rstrip('/')}/f/{org.slug}"
    channels = service.list_channels(db=db, org_id=org.id)
    return page(request, "admin/channels.html", channels=channels, form_url=form_url)


@router.post("/admin/channels/{code}", dependencies=[Csrf, web_require("admin.manage")])
def channels_toggle(code: str, org: WebOrg, actor: WebActor, db: DbSession, active: Text) -> Response:
    service.set_channel_active(db=db, org_id=org.id, actor=actor, code=code, active=active == "1")
    db.commit()
    return RedirectResponse("/admin/channels", status_code=303)


# -- inbox and records -------------------------------------------------------------------------


# The inbox's quick filters, above the table: each sets query parameters the inbox's filters
# handle (a department's link is the signed-in person's own department's id).
QUICK_FILTERS = (
    ("mine", N_("Mine"), {"owner": "me"}),
    ("my_department", N_("My department"), {"department_id": ""}),
    ("unassigned", N_("Unassigned"), {"owner": "none"}),
    ("at_risk", N_("At risk"), {"sla": "at_risk"}),
    ("breached", N_("Breached"), {"sla": "breached"}),
    ("review", N_("Needs review"), {"review": "1"}),
    ("waiting", N_("Waiting for customer"), {"status": "waiting_customer"}),
)


def _quick_links(params: dict[str, Any], my_department: int | None) -> list[dict[str, Any]]:
    """Each quick filter's link: the filters in force (the search included) with it added, or
    taken away again where it is in force already."""
    kept = {k: str(v) for k, v in params.items() if v not in ("", None)}
    quick_keys = {k for _, _, sets in QUICK_FILTERS for k in sets}
    plain = urlencode({k: v for k, v in kept.items() if k not in quick_keys})
    links: list[dict[str, Any]] = [
        {"key": "all", "label": N_("All"), "current": not quick_keys & kept.keys(), "href": "/inbox?" + plain}
    ]
    for key, label, sets in QUICK_FILTERS:
        if key == "my_department":
            if my_department is None:
                continue
            sets = {"department_id": str(my_department)}
        current = all(kept.get(k) == v for k, v in sets.items())
        chosen = {k: v for k, v in kept.items() if k not in sets}
        if not current:
            chosen.update(sets)
        links.append({"key": key, "label": label, "current": current, "href": "/inbox?" + urlencode(chosen)})
    return links


@router.get("/inbox", dependencies=[web_require("feedback.read")])
def inbox(
    request: Request,
    org: WebOrg,
    me: WebUser,
    db: DbSession,
    query: Annotated[InboxQuery, Query()],
    cursor: str | None = None,
) -> Response:
    filters = service.filters_from(query, me_id=me.id, tz=org.timezone)
    rows, next_cursor = service.list(db=db, org_id=org.id, filters=filters, cursor=cursor or None, limit=50)
    params = query.params()
    departments = accounts.list_departments(db=db, org_id=org.id)
    # a filter submitted with htmx gets the quick filters and the results, the rest stays put
    shown = partial(fragment, blocks=("results", "quick"), oob=True) if in_place(request) else page
    response = shown(
        request,
        "inbox.html",
        rows=rows,
        quick=_quick_links(params, me.department_id),
        owners={
            u.id: u for u in accounts.users_by_id(db=db, org_id=org.id, ids={r.assignee_id for r in rows})
        },
        departments={d.id: d for d in departments},
        standings=overview.standings(db=db, org_id=org.id, feedback_ids=[r.id for r in rows]),
        pinned=service.needing_action_now(db=db, org_id=org.id),
        to_review=service.count_to_review(db=db, org_id=org.id),
        next_cursor=next_cursor,
        params=params,
        here=urlencode({k: v for k, v in params.items() if v}),
        saved_views=service.list_saved_views(db=db, org_id=org.id, user_id=me.id),
        notice=request.session.pop(bulk.NOTICE, None),
        bulk_actions=[a for a, needs in bulk.PERMISSIONS.items() if me.can(needs)],
        bulk_statuses=bulk.TARGETS,
        handlers=_handlers(db, org.id),
        statuses=STATUSES,
        types=triage_rules.TYPES,
        channels=service.active_channels(db=db, org_id=org.id),
        counts=service.counts_by_status(db=db, org_id=org.id),
        customers=service.customers_of(db=db, org_id=org.id, records=rows)
        if request.state.user.can("customers.read")
        else {},
    )
    response.headers["Vary"] = "HX-Request"
    return response


def _handlers(db: Any, org_id: int) -> list[Any]:
    """The people a case may be handed to, as the assignment forms offer them."""
    return [u for u in accounts.list_users(db=db, org_id=org_id) if u.is_active and u.can("feedback.handle")]


def _record_or_404(feedback_id: PathId, org: WebOrg, db: DbSession) -> Feedback:
    """Record `feedback_id` of the signed-in person's organization (another's is not found)."""
    record = service.get(db=db, org_id=org.id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    return record


RecordOr404 = Annotated[Feedback, Depends(_record_or_404)]


def _to_record(feedback_id: int) -> RedirectResponse:
    return RedirectResponse(f"/feedback/{feedback_id}", status_code=303)


@router.get("/feedback/{feedback_id}", dependencies=[web_require("feedback.read")])
def detail(
    request: Request,
    record: RecordOr404,
    org: WebOrg,
    db: DbSession,
    created: int = 0,
    reply_template: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """`?reply_template=` fills the reply in from that template (the page's select, without script)."""
    user = request.state.user
    context = _record(db, org.id, record, contacts=user.can("customers.read"))
    customer = context["customer"]
    replies = (
        cases.reply_choices(db=db, record=record, customer_name=customer.name if customer else "")
        if user.can("feedback.handle")
        else []
    )
    chosen = form_number(reply_template, "reply_template")
    texts = {t.id: text for t, text in replies}
    if chosen and chosen not in texts:
        raise NotFound()
    return page(
        request,
        "detail.html",
        **context,
        replies=replies,
        reply_template=chosen,
        reply_text=texts.get(chosen or 0, ""),
        created=bool(created),
    )


@dataclass(frozen=True)
class TypeConfidence:
    """How sure the record's type is, as the record page shows it beside the type: a person
    said so, a triage rule (`rule`) did, or the text model, `percent` sure where it was unsure
    (None: at least `REVIEW_BELOW`)."""

    source: Literal["person", "rule", "model", ""]  # "": not classified yet
    rule: str = ""
    percent: int | None = None


def _type_confidence(record: Feedback, timeline: list[FeedbackEvent]) -> TypeConfidence:
    if any(e.kind == "corrected" and "type" in (e.data or {}).get("after", {}) for e in timeline):
        return TypeConfidence("person")
    if not record.triaged_at:
        return TypeConfidence("")
    because = (record.triage_reasons or {}).get("type", text_service.MODEL_REASON)
    if because != text_service.MODEL_REASON:
        return TypeConfidence("rule", rule=because)
    confidence = record.review_confidence if "type" in (record.review or "").split(",") else None
    return TypeConfidence("model", percent=None if confidence is None else round(confidence * 100))


def _record(db: Any, org_id: int, record: Feedback, *, contacts: bool) -> dict[str, Any]:
    """What the record page shows of `record`, but for the reply form: the whole page and the
    parts an in-place update redraws read the same."""
    categories = triage.list_categories(db=db, org_id=org_id)
    timeline = service.timeline(db=db, record=record, contacts=contacts)
    return {
        "record": record,
        "categories": {c.code: c for c in categories},
        "active_categories": [c for c in categories if c.is_active],
        "types": triage_rules.TYPES,
        "sentiments": triage_rules.SENTIMENTS,
        "levels": triage_rules.LEVELS,
        "scopes": triage_rules.SCOPES,
        "type_confidence": _type_confidence(record, timeline),
        "sure_at": round(triage.REVIEW_BELOW * 100),
        "customer": service.customer_of(db=db, record=record) if contacts else None,
        "timeline": timeline,
        "tracking_url": tracking_url(record.tracking_code),
        "channels": service.active_channels(db=db, org_id=org_id),
        "next_statuses": workflow.allowed_next(record.status),
        "case": clocks.describe(db, record),
        "commitment": clocks.commitment_of(db, record),
        "departments": accounts.list_departments(db=db, org_id=org_id),
        "handlers": _handlers(db, org_id),
        "remedies": remedies.list_remedies(db=db, org_id=org_id, feedback_id=record.id),
        "remedy_kinds": REMEDIES,
        "remedy_next": remedies.NEXT,
    }


# The parts of the record page a change of owner, status or classification redraws in place.
RECORD_BLOCKS = ("summary", "adopt", "status", "timeline", "case", "classification")


def _changed(request: Request, db: Session, org: Organization, feedback_id: int) -> Response:
    """After a change on the record page: with htmx, the page's parts that show it (each
    swapped by its id); without, back to the page."""
    if not in_place(request):
        return _to_record(feedback_id)
    record = _record_or_404(feedback_id, org, db)
    context = _record(db, org.id, record, contacts=request.state.user.can("customers.read"))
    return fragment(request, "detail.html", RECORD_BLOCKS, oob=True, **context)


@router.post("/feedback/{feedback_id}/reply", dependencies=[Csrf, web_require("feedback.handle")])
def reply(feedback_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, text: Text) -> Response:
    """Answer the customer: on the tracking page, and by email when they left an address."""
    message = _note(text)
    if message is None:
        raise InvalidInput(fields=[{"field": "text", "reason": "is required"}])
    cases.reply(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, text=message)
    db.commit()
    return _to_record(feedback_id)


@router.post("/feedback/{feedback_id}/assignment", dependencies=[Csrf, web_require("cases.assign")])
def assign(
    request: Request,
    feedback_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    department_id: Annotated[str, Form()] = "",
    assignee_id: Annotated[str, Form()] = "",
) -> Response:
    routing.assign(
        db=db,
        org_id=org.id,
        actor=actor,
        feedback_id=feedback_id,
        department_id=form_number(department_id, "department_id"),
        assignee_id=form_number(assignee_id, "assignee_id"),
    )
    db.commit()
    return _changed(request, db, org, feedback_id)


@router.post("/feedback/{feedback_id}/status", dependencies=[Csrf, web_require("feedback.handle")])
def change_status(
    request: Request,
    feedback_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    to: Text,
    note: Annotated[str, Form()] = "",
) -> Response:
    cases.transition(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, to=to, note=_note(note))
    db.commit()
    return _changed(request, db, org, feedback_id)


@router.post("/feedback/{feedback_id}/classification", dependencies=[Csrf, web_require("feedback.handle")])
def correct_classification(
    request: Request,
    feedback_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    type: Annotated[str, Form()] = "",  # noqa: A002 - the form field's name
    category: Annotated[str, Form()] = "",
    sentiment: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    urgency: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
) -> Response:
    submitted = {
        "type": type,
        "category": category,
        "sentiment": sentiment,
        "severity": _level(severity),
        "urgency": _level(urgency),
        "scope": scope,
    }
    changes = {k: v for k, v in submitted.items() if v != ""}
    triage.correct(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, changes=changes)
    db.commit()
    return _changed(request, db, org, feedback_id)


def _level(value: str) -> int | str:
    """A severity or urgency from a form: "1".."3" as a number; anything else is left for the check."""
    return whole_number(value)


@router.post("/feedback/{feedback_id}/adopt", dependencies=[Csrf, web_require("feedback.handle")])
def adopt(
    feedback_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, points: Text = "", note: Text = ""
) -> Response:
    """The suggestion is adopted; its customer is rewarded with points, recorded on the case."""
    reward = form_number(points, "points", low=0, high=MAX_POINTS) or 0
    cases.adopt(
        db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, points=reward, note=_note(note) or ""
    )
    db.commit()
    return _to_record(feedback_id)


@router.post("/feedback/{feedback_id}/notes", dependencies=[Csrf, web_require("feedback.handle")])
def add_note(feedback_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, text: Text) -> Response:
    cases.add_note(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, text=_note(text) or "")
    db.commit()
    return _to_record(feedback_id)


def _attachment_or_404(attachment_id: PathId, org: WebOrg, db: DbSession) -> Attachment:
    """Attachment `attachment_id` of the signed-in person's organization (another's is not found)."""
    row = db.scalar(select(Attachment).where(Attachment.org_id == org.id, Attachment.id == attachment_id))
    if row is None:
        raise NotFound()
    return row


@router.get("/attachments/{attachment_id}", dependencies=[web_require("feedback.read")])
def attachment(row: Annotated[Attachment, Depends(_attachment_or_404)]) -> Response:
    return Response(
        attachments.load(row.sha256),
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
