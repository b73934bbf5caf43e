"""The customer's pages, signed in as nobody: the feedback form (and its QR code for room cards
and counters), and the tracking page where they follow their feedback, add to it and answer."""

import io
from typing import Annotated
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization
from voxloop.audit.service import PUBLIC
from voxloop.cases import service as cases
from voxloop.cases import workflow
from voxloop.common import i18n, ratelimit
from voxloop.config import get_settings
from voxloop.db import writing
from voxloop.deps import DbSession
from voxloop.errors import AttachmentQuotaExceeded, FormBytesExceeded, InvalidInput, NotFound, VoxloopError
from voxloop.feedback import flows, service
from voxloop.feedback.forms import blobs, fields_from_form
from voxloop.feedback.models import STATUSES, Feedback
from voxloop.feedback.tasks import tracking_url
from voxloop.web.forms import form_errors, note_text
from voxloop.web.pages import Csrf, WebForm, page, request_locale

router = APIRouter(include_in_schema=False)


def _form_org(slug: str, db: DbSession) -> Organization:
    """The organization whose public form `slug` names."""
    org = accounts.get_org_by_slug(db=db, slug=slug)
    if org is None:
        raise NotFound()
    return org


FormOrg = Annotated[Organization, Depends(_form_org)]


def _tracked(tracking_code: str, db: DbSession) -> Feedback:
    """The feedback record `tracking_code` follows."""
    record = service.get_by_tracking_code(db=db, tracking_code=tracking_code)
    if record is None:
        raise NotFound("No feedback has this tracking code.")
    return record


Tracked = Annotated[Feedback, Depends(_tracked)]


def _form(
    request: Request,
    org: Organization,
    db: Session,
    *,
    embed: int,
    status_code: int = 200,
    **context: object,
) -> Response:
    """The form page, with what the guest typed and what was wrong with it."""
    return page(
        request,
        "public_form.html",
        status_code=status_code,
        form_org=org,
        embed=bool(embed),
        branches=accounts.list_branches(db=db, org_id=org.id, active_only=True),
        **context,
    )


# -- the feedback form --------------------------------------------------------------------------


@router.get("/f/{slug}")
def public_form(request: Request, org: FormOrg, db: DbSession, embed: int = 0, branch: str = "") -> Response:
    """The form; `?branch=` (a hotel's room-card QR code) fills in where the guest is."""
    values = {"branch": branch[:200]} if branch else {}
    return _form(request, org, db, embed=embed, values=values, errors=[])


@router.post("/f/{slug}")
def public_submit(request: Request, db: DbSession, form: WebForm, org: FormOrg, embed: int = 0) -> Response:
    ratelimit.check_public(request, org.slug)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        if values.get("website"):
            raise InvalidInput(fields=[{"field": "website", "reason": "must be left empty"}])
        values.setdefault("locale", request_locale(request))
        data = fields_from_form(values)
        files = blobs([f for f in form.getlist("attachments") if isinstance(f, UploadFile)])
        channels = service.active_channels(db=db, org_id=org.id)
        draft = flows.draft_from(data, channel="web_form", channels=channels, blobs=files)
    except (ValidationError, VoxloopError) as exc:
        return _form(request, org, db, embed=embed, status_code=422, values=values, errors=form_errors(exc))
    try:
        created = flows.receive(
            db=db, org=org, actor=PUBLIC, drafts=[draft], anonymous_ip=ratelimit.client_ip(request)
        )[0]
    except (AttachmentQuotaExceeded, FormBytesExceeded) as exc:  # nothing was stored
        db.rollback()
        message = exc.to_dict(request_locale(request))["error"]["message"]
        errors = [{"field": "attachments", "reason": message}]
        response = _form(
            request, org, db, embed=embed, status_code=exc.status_code, values=values, errors=errors
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
def public_form_qr(org: FormOrg, branch: str = "") -> Response:
    """The form's QR code; with `?branch=`, one for that branch's room cards and counters."""
    target = f"{get_settings().base_url.rstrip('/')}/f/{org.slug}"
    if branch:
        target += "?" + urlencode({"branch": branch[:200]})
    qr = segno.make(target, error="m")
    buf = io.BytesIO()  # a standalone file with its namespace: svg_inline is only for inside HTML
    qr.save(buf, kind="svg", scale=6)
    return Response(buf.getvalue(), media_type="image/svg+xml")


# -- the tracking page --------------------------------------------------------------------------


@router.get("/t/{tracking_code}")
def tracking_page(request: Request, record: Tracked, db: DbSession) -> Response:
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
    request: Request, tracking_code: str, record: Tracked, db: DbSession, text: Annotated[str, Form()] = ""
) -> Response:
    """The customer adds information on the tracking page: it joins the conversation."""
    org = accounts.get_org(db=db, org_id=record.org_id)
    ratelimit.check_public(request, org.slug if org else "")
    message = note_text(text)
    if message is None:
        raise InvalidInput(fields=[{"field": "text", "reason": "is required"}])
    with writing(db):
        cases.customer_message(db=db, record=db.merge(record), text=message, via="tracking_page")
    return RedirectResponse(f"/t/{tracking_code}", status_code=303)  # as the customer wrote it


@router.post("/t/{tracking_code}/{action}", dependencies=[Csrf])
def tracking_action(tracking_code: str, action: str, db: DbSession) -> Response:
    record = cases.customer_action(db=db, tracking_code=tracking_code, action=action)
    db.commit()
    return RedirectResponse(f"/t/{record.tracking_code}", status_code=303)
