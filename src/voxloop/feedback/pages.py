"""The inbox's forms: one action on the chosen records, and a person's saved views (the inbox
page itself is drawn by voxloop.web.views); the form staff record feedback with (a call, a
visit, a letter); and the administration of the intake channels."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Branch
from voxloop.cases import bulk
from voxloop.common.types import PathId
from voxloop.config import get_settings
from voxloop.deps import DbSession
from voxloop.errors import InvalidInput, PermissionDenied, VoxloopError, invalid
from voxloop.feedback import flows, service
from voxloop.feedback.forms import blobs, fields_from_form
from voxloop.feedback.models import Channel
from voxloop.web.forms import form_errors
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, WebUser, form_number, page, web_require

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
