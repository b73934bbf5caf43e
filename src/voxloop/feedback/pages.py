"""The inbox's forms: one action on the chosen records, and a person's saved views. The inbox
page itself is drawn by voxloop.web.views."""

from collections.abc import Sequence
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.cases import bulk
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import PermissionDenied, invalid
from voxloop.feedback import service
from voxloop.web.pages import Csrf, WebActor, WebForm, WebOrg, WebUser, form_number, web_require

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
    )
    db.commit()
    request.session[bulk.NOTICE] = {
        "action": action,
        "changed": len(outcome.changed),
        "to": str(form.get("to", "")),
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
