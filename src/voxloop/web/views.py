"""Server-rendered pages: sign-in and language, the inbox and the record page."""

import math
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from voxloop.accounts import service as accounts
from voxloop.cases import bulk, workflow
from voxloop.cases import service as cases
from voxloop.cases.schemas import MAX_POINTS
from voxloop.commitments import clocks, overview, remedies
from voxloop.commitments.service import REMEDIES
from voxloop.common import i18n, ratelimit
from voxloop.common.i18n import N_
from voxloop.common.types import PathId, whole_number
from voxloop.db import session_scope, writing
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, NotFound
from voxloop.feedback import attachments, service
from voxloop.feedback.models import STATUSES, Attachment, Feedback, FeedbackEvent
from voxloop.feedback.schemas import InboxQuery
from voxloop.feedback.tasks import tracking_url
from voxloop.routing import service as routing
from voxloop.text import service as text_service
from voxloop.triage import rules as triage_rules
from voxloop.triage import service as triage
from voxloop.web.forms import note_text as _note
from voxloop.web.pages import (
    Csrf,
    WebActor,
    WebOrg,
    WebUser,
    form_number,
    fragment,
    in_place,
    page,
    web_require,
)

router = APIRouter(include_in_schema=False)
Opt = Annotated[str, Form()]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(value: str | None, default: str = "/inbox") -> str:
    """A path on this site to go on to; anything a browser might read as another site (//host,
    a backslash, which browsers read as a slash, control characters) gives `default`."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return default
    return value


# Sign-in and language


@router.get("/")
def home() -> Response:
    return _redirect("/inbox")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", next=_safe_next(next), failed=False)


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    db: DbSession,
    email: Opt,
    password: Opt,
    next: Annotated[str, Form()] = "/inbox",
    org: Annotated[str, Form()] = "",
) -> Response:
    wait = ratelimit.login_attempt(request, email)
    if wait:
        minutes = math.ceil(wait / 60)
        response = page(
            request, "login.html", status_code=429, next=_safe_next(next), locked=minutes, email=email
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = accounts.authenticate(db=db, email=email, password=password, org_slug=org.strip() or None)
    if user is None:
        return page(request, "login.html", status_code=400, next=_safe_next(next), failed=True, email=email)
    ratelimit.login_succeeded(request, email)
    request.session.clear()
    request.session.update(user_id=user.id, org_id=user.org_id, epoch=user.session_epoch)
    return _redirect(_safe_next(next))


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, db: DbSession) -> Response:
    """Sign out: this browser's cookie is cleared and the session ends on the server too, so a
    copy of the cookie taken elsewhere no longer signs anyone in."""
    user_id, org_id = request.session.get("user_id"), request.session.get("org_id")
    if user_id and org_id:
        with writing(db):
            user = accounts.get_user(db=db, org_id=int(org_id), user_id=int(user_id))
            if user is not None and request.session.get("epoch", 0) == user.session_epoch:
                accounts.end_sessions(user)
    request.session.clear()
    return _redirect("/login")


@router.get("/lang/{locale}")
def set_language(request: Request, locale: str, next: str | None = None) -> Response:
    chosen = i18n.normalize(locale)
    user_id, org_id = request.session.get("user_id"), request.session.get("org_id")
    if user_id and org_id:
        with session_scope() as db:  # a GET that writes: it needs a writing session of its own
            accounts.set_locale(db=db, org_id=int(org_id), user_id=int(user_id), locale=chosen)
            db.commit()
    response = _redirect(_safe_next(next, default="/"))
    response.set_cookie("voxloop_lang", chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


# Inbox and records


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


@router.get("/feedback/{feedback_id}", dependencies=[web_require("feedback.read")])
def detail(
    request: Request,
    feedback_id: PathId,
    org: WebOrg,
    db: DbSession,
    created: int = 0,
    reply_template: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """`?reply_template=` fills the reply in from that template (the page's select, without script)."""
    user = request.state.user
    context = _record(db, org.id, feedback_id, contacts=user.can("customers.read"))
    record = context["record"]
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


def _record(db: Any, org_id: int, feedback_id: int, *, contacts: bool) -> dict[str, Any]:
    """What the record page shows of record `feedback_id`, but for the reply form: the whole
    page and the parts an in-place update redraws read the same."""
    record = service.get(db=db, org_id=org_id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
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


def _changed(request: Request, db: Any, org_id: int, feedback_id: int) -> Response:
    """After a change on the record page: with htmx, the page's parts that show it (each
    swapped by its id); without, back to the page."""
    if not in_place(request):
        return _redirect(f"/feedback/{feedback_id}")
    context = _record(db, org_id, feedback_id, contacts=request.state.user.can("customers.read"))
    return fragment(request, "detail.html", RECORD_BLOCKS, oob=True, **context)


@router.post("/feedback/{feedback_id}/reply", dependencies=[Csrf, web_require("feedback.handle")])
def reply(feedback_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, text: Opt) -> Response:
    """Answer the customer: on the tracking page, and by email when they left an address."""
    message = _note(text)
    if message is None:
        raise InvalidInput(fields=[{"field": "text", "reason": "is required"}])
    cases.reply(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, text=message)
    db.commit()
    return _redirect(f"/feedback/{feedback_id}")


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
    return _changed(request, db, org.id, feedback_id)


@router.post("/feedback/{feedback_id}/status", dependencies=[Csrf, web_require("feedback.handle")])
def change_status(
    request: Request,
    feedback_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    to: Opt,
    note: Annotated[str, Form()] = "",
) -> Response:
    cases.transition(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, to=to, note=_note(note))
    db.commit()
    return _changed(request, db, org.id, feedback_id)


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
    return _changed(request, db, org.id, feedback_id)


def _level(value: str) -> int | str:
    """A severity or urgency from a form: "1".."3" as a number; anything else is left for the check."""
    return whole_number(value)


@router.post("/feedback/{feedback_id}/adopt", dependencies=[Csrf, web_require("feedback.handle")])
def adopt(
    feedback_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, points: Opt = "", note: Opt = ""
) -> Response:
    """The suggestion is adopted; its customer is rewarded with points, recorded on the case."""
    reward = form_number(points, "points", low=0, high=MAX_POINTS) or 0
    cases.adopt(
        db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, points=reward, note=_note(note) or ""
    )
    db.commit()
    return _redirect(f"/feedback/{feedback_id}")


@router.post("/feedback/{feedback_id}/notes", dependencies=[Csrf, web_require("feedback.handle")])
def add_note(feedback_id: PathId, org: WebOrg, actor: WebActor, db: DbSession, text: Opt) -> Response:
    cases.add_note(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, text=_note(text) or "")
    db.commit()
    return _redirect(f"/feedback/{feedback_id}")


@router.get("/attachments/{attachment_id}", dependencies=[web_require("feedback.read")])
def attachment(attachment_id: PathId, org: WebOrg, db: DbSession) -> Response:
    row = db.scalar(select(Attachment).where(Attachment.org_id == org.id, Attachment.id == attachment_id))
    if row is None:
        raise NotFound()
    return Response(
        attachments.load(row.sha256),
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
