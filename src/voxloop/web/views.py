"""Server-rendered pages: sign-in, inbox, record detail, staff entry, admin, public form and status."""

import io
import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Role
from voxloop.audit import service as audit
from voxloop.audit.service import PUBLIC
from voxloop.cases import bulk, kpis, workflow
from voxloop.cases import service as cases
from voxloop.cases.schemas import MAX_POINTS, NoteCreate
from voxloop.commitments import clocks, overview, remedies
from voxloop.commitments.service import REMEDIES
from voxloop.common import i18n, ratelimit
from voxloop.common.i18n import N_
from voxloop.common.text_checks import clean_text
from voxloop.common.time import utcnow
from voxloop.common.types import PathId, whole_number
from voxloop.config import get_settings
from voxloop.db import session_scope, write_lock
from voxloop.deps import DbSession
from voxloop.errors import AttachmentQuotaExceeded, FormBytesExceeded, InvalidInput, NotFound, VoxloopError
from voxloop.feedback import attachments, flows, service
from voxloop.feedback.models import STATUSES, Attachment, Channel
from voxloop.feedback.schemas import FeedbackFields, InboxQuery
from voxloop.feedback.tasks import tracking_url
from voxloop.routing import service as routing
from voxloop.triage import rules as triage_rules
from voxloop.triage import service as triage
from voxloop.web.pages import (
    Csrf,
    WebActor,
    WebForm,
    WebOrg,
    WebUser,
    form_number,
    page,
    request_locale,
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
        with write_lock():
            user = accounts.get_user(db=db, org_id=int(org_id), user_id=int(user_id))
            if user is not None and request.session.get("epoch", 0) == user.session_epoch:
                accounts.end_sessions(user)
                db.commit()
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
    return page(
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


def _handlers(db: Any, org_id: int) -> list[Any]:
    """The people a case may be handed to, as the assignment forms offer them."""
    return [u for u in accounts.list_users(db=db, org_id=org_id) if u.is_active and u.can("feedback.handle")]


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


def _branches(db: Any, org_id: int) -> list[Any]:
    """The active branches a form offers as a list (empty: the organization keeps none, and
    the form asks where in its own words)."""
    return accounts.list_branches(db=db, org_id=org_id, active_only=True)


def _staff_channels(db: Any, org_id: int) -> dict[str, Channel]:
    return {k: c for k, c in service.active_channels(db=db, org_id=org_id).items() if c.staff_entry}


def _blobs(files: list[UploadFile] | None) -> list[attachments.Blob]:
    settings = get_settings()
    real = [f for f in files or [] if f.filename]
    if len(real) > settings.max_attachments:
        raise InvalidInput(
            fields=[{"field": "attachments", "reason": f"at most {settings.max_attachments} files"}]
        )
    out = []
    for i, f in enumerate(real):
        data = f.file.read(settings.max_attachment_bytes + 1)
        out.append(attachments.check(f.filename or "file", f.content_type or "", data, f"attachments.{i}"))
    return out


def _fields_from_form(form: dict[str, Any]) -> FeedbackFields:
    customer = {k: form.get(f"customer_{k}", "").strip() for k in ("name", "email", "phone")}
    payload: dict[str, Any] = {
        "description": form.get("description", ""),
        "customer_request": form.get("customer_request") or None,
        "touchpoint": form.get("touchpoint") or None,
        "product": form.get("product") or None,
        "branch": form.get("branch") or None,
    }
    if any(customer.values()):
        payload["customer"] = {k: v or None for k, v in customer.items()} | {"name": customer["name"]}
        if form.get("locale") in ("zh_CN", "en"):
            payload["customer"]["locale"] = form["locale"]
    return FeedbackFields.model_validate(payload)


def _errors(exc: ValidationError | VoxloopError) -> list[dict[str, str]]:
    if isinstance(exc, ValidationError):
        return [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()]
    return exc.fields or [{"field": "", "reason": exc.to_dict("en")["error"]["message"]}]


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
        data = _fields_from_form(values)
        blobs = _blobs([f for f in form.getlist("attachments") if isinstance(f, UploadFile)])
        received_at = _parse_datetime_local(values.get("received_at"), org.timezone)
        draft = flows.draft_from(data, channel=channel, channels=staff, blobs=blobs, received_at=received_at)
    except (ValidationError, VoxloopError) as exc:
        return page(
            request,
            "entry.html",
            status_code=422,
            staff_channels=staff,
            channel=channel,
            values=values,
            errors=_errors(exc),
            branches=_branches(db, org.id),
        )
    created = flows.receive(db=db, org=org, actor=actor, drafts=[draft], recorded_by_id=user.id)[0]
    return _redirect(f"/feedback/{created.id}?created=1")


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
    record = service.get(db=db, org_id=org.id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    categories = triage.list_categories(db=db, org_id=org.id)
    user = request.state.user
    customer = service.customer_of(db=db, record=record) if user.can("customers.read") else None
    replies = (
        cases.reply_choices(db=db, record=record, customer_name=customer.name if customer else "")
        if user.can("feedback.handle")
        else []
    )
    chosen = form_number(reply_template, "reply_template")
    texts = {t.id: text for t, text in replies}
    if chosen and chosen not in texts:
        raise NotFound()
    reply_text = texts.get(chosen or 0, "")
    return page(
        request,
        "detail.html",
        record=record,
        categories={c.code: c for c in categories},
        active_categories=[c for c in categories if c.is_active],
        types=triage_rules.TYPES,
        sentiments=triage_rules.SENTIMENTS,
        levels=triage_rules.LEVELS,
        scopes=triage_rules.SCOPES,
        customer=customer,
        replies=replies,
        reply_template=chosen,
        reply_text=reply_text,
        timeline=service.timeline(db=db, record=record, contacts=user.can("customers.read")),
        tracking_url=tracking_url(record.tracking_code),
        channels=service.active_channels(db=db, org_id=org.id),
        next_statuses=workflow.allowed_next(record.status),
        created=bool(created),
        case=clocks.describe(db, record),
        commitment=clocks.commitment_of(db, record),
        departments=accounts.list_departments(db=db, org_id=org.id),
        handlers=_handlers(db, org.id),
        remedies=remedies.list_remedies(db=db, org_id=org.id, feedback_id=record.id),
        remedy_kinds=REMEDIES,
        remedy_next=remedies.NEXT,
    )


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
    return _redirect(f"/feedback/{feedback_id}")


@router.post("/feedback/{feedback_id}/status", dependencies=[Csrf, web_require("feedback.handle")])
def change_status(
    feedback_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    to: Opt,
    note: Annotated[str, Form()] = "",
) -> Response:
    cases.transition(db=db, org_id=org.id, actor=actor, feedback_id=feedback_id, to=to, note=_note(note))
    db.commit()
    return _redirect(f"/feedback/{feedback_id}")


@router.post("/feedback/{feedback_id}/classification", dependencies=[Csrf, web_require("feedback.handle")])
def correct_classification(
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
    return _redirect(f"/feedback/{feedback_id}")


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


def _note(text: str) -> str | None:
    try:
        return NoteCreate(text=text).text if text.strip() else None
    except ValidationError as exc:
        raise InvalidInput(fields=_errors(exc)) from exc


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


# Administration


@router.get("/admin/users", dependencies=[web_require("admin.manage")])
def users_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _users_page(request, org, db)


def _users_page(
    request: Request, org: Any, db: Any, errors: list[dict[str, str]] | None = None, status_code: int = 200
) -> Response:
    # Not a route: the errors come from this server, never from the request.
    return page(
        request,
        "admin/users.html",
        status_code=status_code,
        users=accounts.list_users(db=db, org_id=org.id),
        departments=accounts.list_departments(db=db, org_id=org.id),
        roles=list(Role),
        errors=errors or [],
    )


@router.post("/admin/users", dependencies=[Csrf, web_require("admin.manage")])
def users_create(
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    email: Opt,
    password: Opt,
    role: Opt,
    name: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        accounts.create_user(
            db=db,
            org_id=org.id,
            actor=actor,
            email=email,
            password=password,
            role=role,
            name=name,
            department_id=form_number(department_id, "department_id"),
        )
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _users_page(request, org, db, errors=_errors(exc), status_code=exc.status_code)
    return _redirect("/admin/users")


@router.post("/admin/users/{user_id}", dependencies=[Csrf, web_require("admin.manage")])
def users_update(
    user_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    role: Opt,
    department_id: Annotated[str, Form()] = "",
    is_active: Annotated[str, Form()] = "",
) -> Response:
    accounts.update_user(
        db=db,
        org_id=org.id,
        actor=actor,
        user_id=user_id,
        role=role,
        department_id=form_number(department_id, "department_id"),
        is_active=bool(is_active),
    )
    db.commit()
    return _redirect("/admin/users")


@router.get("/admin/departments", dependencies=[web_require("admin.manage")])
def departments_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return page(
        request,
        "admin/departments.html",
        departments=accounts.list_departments(db=db, org_id=org.id),
        errors=[],
    )


@router.post("/admin/departments", dependencies=[Csrf, web_require("admin.manage")])
def departments_create(
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    name: Opt,
    name_en: Annotated[str, Form()] = "",
) -> Response:
    try:
        accounts.create_department(db=db, org_id=org.id, actor=actor, name=name, name_en=name_en)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return page(
            request,
            "admin/departments.html",
            status_code=exc.status_code,
            departments=accounts.list_departments(db=db, org_id=org.id),
            errors=_errors(exc),
        )
    return _redirect("/admin/departments")


@router.get("/admin/channels", dependencies=[web_require("admin.manage")])
def channels_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    rows = db.scalars(select(Channel).where(Channel.org_id == org.id).order_by(Channel.id))
    form_url = f"{get_settings().base_url.rstrip('/')}/f/{org.slug}"
    return page(request, "admin/channels.html", channels=list(rows), form_url=form_url)


@router.post("/admin/channels/{code}", dependencies=[Csrf, web_require("admin.manage")])
def channels_toggle(code: str, org: WebOrg, actor: WebActor, db: DbSession, active: Opt) -> Response:
    service.set_channel_active(db=db, org_id=org.id, actor=actor, code=code, active=active == "1")
    db.commit()
    return _redirect("/admin/channels")


@router.get("/admin/tokens", dependencies=[web_require("admin.manage")])
def tokens_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _tokens_page(request, org, db)


def _tokens_page(request: Request, org: Any, db: Any, new_token: str | None = None) -> Response:
    # Not a route: only tokens_create passes new_token, so a link cannot show a planted "new token".
    return page(
        request,
        "admin/tokens.html",
        tokens=accounts.list_tokens(db=db, org_id=org.id),
        users={u.id: u for u in accounts.list_users(db=db, org_id=org.id)},
        new_token=new_token,
    )


@router.post("/admin/tokens", dependencies=[Csrf, web_require("admin.manage")])
def tokens_create(
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    user_id: Annotated[int, Form()],
    name: Annotated[str, Form()] = "",
) -> Response:
    _, raw = accounts.create_token(db=db, org_id=org.id, actor=actor, user_id=user_id, name=name)
    db.commit()
    # Shown once, in this response only; it is stored hashed.
    return _tokens_page(request, org, db, new_token=raw)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[Csrf, web_require("admin.manage")])
def tokens_revoke(token_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    accounts.revoke_token(db=db, org_id=org.id, actor=actor, token_id=token_id)
    db.commit()
    return _redirect("/admin/tokens")


@router.get("/admin/audit", dependencies=[web_require("audit.read")])
def audit_page(request: Request, org: WebOrg, db: DbSession, entity: str | None = None) -> Response:
    return page(
        request,
        "admin/audit.html",
        entries=audit.list(db=db, org_id=org.id, entity=entity or None),
        entity=entity or "",
    )


KPI_GROUPS = {"department": N_("Department"), "agent": N_("Agent"), "channel": N_("Channel")}


@router.get("/reports/kpis", dependencies=[web_require("kpis.read")])
def kpis_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    by: Annotated[str, Query(pattern="^(department|agent|channel)$")] = "department",
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Response:
    end = utcnow()
    report = kpis.report(db, org.id, by, end - timedelta(days=days), end)
    if by == "channel":
        names = {c.code: c for c in service.active_channels(db=db, org_id=org.id).values()}
        locale = request_locale(request)
        for row in report["rows"]:
            channel = names.get(row["key"])
            row["label"] = (
                (channel.name_en if locale == "en" and channel.name_en else channel.name)
                if channel
                else row["key"]
            )
    locale = request_locale(request)
    groups = [(g, i18n.gettext(label, locale)) for g, label in KPI_GROUPS.items()]
    return page(
        request,
        "reports/kpis.html",
        report=report,
        days=days,
        groups=groups,
        label_of_group=dict(groups)[by],
    )


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
    org: Any,
    db: Any,
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
            result = triage.test_rules(db=db, org_id=org.id, text=text, channel=sample_channel)
    categories = triage.list_categories(db=db, org_id=org.id)
    return page(
        request,
        "admin/triage.html",
        status_code=status_code,
        rules=triage.list_rules(db=db, org_id=org.id),
        categories=categories,
        category_by_code={c.code: c for c in categories},
        channels=service.active_channels(db=db, org_id=org.id),
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


_KEYWORD_SEPARATORS = re.compile(r"[,，、\n]")


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
        if raw:
            sets[key] = _level(raw) if key in ("severity", "urgency") else raw
    try:
        triage.create_rule(
            db=db, org_id=org.id, actor=actor, name=values.get("name", ""), match=match, sets=sets
        )
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _triage_page(request, org, db, errors=_errors(exc), values=values, status_code=exc.status_code)
    return _redirect("/admin/triage")


@router.post("/admin/triage/categories", dependencies=[Csrf, web_require("triage.manage")])
def triage_category_create(
    request: Request, org: WebOrg, actor: WebActor, db: DbSession, form: WebForm
) -> Response:
    """A category of the organization's own (its rules, people and the learned model may then
    set it), added from the list of categories."""
    values = {k: str(form.get(k, "")).strip()[:200] for k in ("code", "name", "name_en")}
    try:
        triage.create_category(db=db, org_id=org.id, actor=actor, **values)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        errors = _errors(exc)
        return _triage_page(
            request, org, db, category_errors=errors, category_values=values, status_code=exc.status_code
        )
    return _redirect("/admin/triage#categories")


@router.post("/admin/triage/{rule_id}/delete", dependencies=[Csrf, web_require("triage.manage")])
def triage_rule_delete(rule_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    triage.delete_rule(db=db, org_id=org.id, actor=actor, rule_id=rule_id)
    db.commit()
    return _redirect("/admin/triage")


# Public pages: the feedback form, its QR code, and the tracking page


def _public_org(db: Any, slug: str) -> Any:
    org = accounts.get_org_by_slug(db=db, slug=slug)
    if org is None:
        raise NotFound()
    return org


@router.get("/f/{slug}")
def public_form(request: Request, slug: str, db: DbSession, embed: int = 0, branch: str = "") -> Response:
    """The form; `?branch=` (a hotel's room-card QR code) fills in where the guest is."""
    org = _public_org(db, slug)
    values = {"branch": branch[:200]} if branch else {}
    return page(
        request,
        "public_form.html",
        form_org=org,
        values=values,
        errors=[],
        embed=bool(embed),
        branches=_branches(db, org.id),
    )


@router.post("/f/{slug}")
def public_submit(request: Request, slug: str, db: DbSession, form: WebForm, embed: int = 0) -> Response:
    org = _public_org(db, slug)
    ratelimit.check_public(request, org.slug)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        if values.get("website"):
            raise InvalidInput(fields=[{"field": "website", "reason": "must be left empty"}])
        values.setdefault("locale", request_locale(request))
        data = _fields_from_form(values)
        blobs = _blobs([f for f in form.getlist("attachments") if isinstance(f, UploadFile)])
        channels = service.active_channels(db=db, org_id=org.id)
        draft = flows.draft_from(data, channel="web_form", channels=channels, blobs=blobs)
    except (ValidationError, VoxloopError) as exc:
        return page(
            request,
            "public_form.html",
            status_code=422,
            form_org=org,
            values=values,
            errors=_errors(exc),
            embed=bool(embed),
            branches=_branches(db, org.id),
        )
    try:
        created = flows.receive(
            db=db, org=org, actor=PUBLIC, drafts=[draft], anonymous_ip=ratelimit.client_ip(request)
        )[0]
    except (AttachmentQuotaExceeded, FormBytesExceeded) as exc:  # nothing was stored
        db.rollback()
        message = exc.to_dict(request_locale(request))["error"]["message"]
        response = page(
            request,
            "public_form.html",
            status_code=exc.status_code,
            form_org=org,
            values=values,
            errors=[{"field": "attachments", "reason": message}],
            embed=bool(embed),
            branches=_branches(db, org.id),
        )
        response.headers.update(exc.headers)
        return response
    return page(
        request,
        "public_done.html",
        status_code=201,
        form_org=org,
        code=created.tracking_code,
        url=tracking_url(created.tracking_code),
        embed=bool(embed),
    )


@router.get("/f/{slug}/qr.svg")
def public_form_qr(slug: str, db: DbSession, branch: str = "") -> Response:
    """The form's QR code; with `?branch=`, one for that branch's room cards and counters."""
    org = _public_org(db, slug)
    target = f"{get_settings().base_url.rstrip('/')}/f/{org.slug}"
    if branch:
        target += "?" + urlencode({"branch": branch[:200]})
    qr = segno.make(target, error="m")
    buf = io.BytesIO()  # a standalone file with its namespace: svg_inline is only for inside HTML
    qr.save(buf, kind="svg", scale=6)
    return Response(buf.getvalue(), media_type="image/svg+xml")


@router.get("/t/{tracking_code}")
def tracking_page(request: Request, tracking_code: str, db: DbSession) -> Response:
    record = service.get_by_tracking_code(db=db, tracking_code=tracking_code)
    if record is None:
        raise NotFound("No feedback has this tracking code.")
    org = accounts.get_org(db=db, org_id=record.org_id)
    events = service.timeline(db=db, record=record, public_only=True)
    actions = [a for a, (allowed, _) in workflow.CUSTOMER_ACTIONS.items() if record.status in allowed]
    return page(
        request,
        "status.html",
        record=record,
        form_org=org,
        events=events,
        statuses=STATUSES,
        actions=actions,
        action_labels={a: i18n.gettext(workflow.ACTION_LABELS[a], request_locale(request)) for a in actions},
    )


@router.post("/t/{tracking_code}/message", dependencies=[Csrf])
def tracking_message(
    request: Request, tracking_code: str, db: DbSession, text: Annotated[str, Form()] = ""
) -> Response:
    """The customer adds information on the tracking page: it joins the conversation."""
    record = service.get_by_tracking_code(db=db, tracking_code=tracking_code)
    if record is None:
        raise NotFound("No feedback has this tracking code.")
    org = accounts.get_org(db=db, org_id=record.org_id)
    ratelimit.check_public(request, org.slug if org else "")
    message = _note(text)
    if message is None:
        raise InvalidInput(fields=[{"field": "text", "reason": "is required"}])
    db.commit()  # end the read; take the write lock like every writer
    with write_lock():
        cases.customer_message(db=db, record=db.merge(record), text=message, via="tracking_page")
        db.commit()
    return _redirect(f"/t/{tracking_code}")


@router.post("/t/{tracking_code}/{action}", dependencies=[Csrf])
def tracking_action(tracking_code: str, action: str, db: DbSession) -> Response:
    record = cases.customer_action(db=db, tracking_code=tracking_code, action=action)
    db.commit()
    return _redirect(f"/t/{record.tracking_code}")
