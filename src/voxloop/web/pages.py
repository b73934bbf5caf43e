"""Page plumbing: rendering with the request's locale, the signed-in user, CSRF, error pages."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization, User, may
from voxloop.audit.service import Actor
from voxloop.common.middleware import locale_for
from voxloop.common.types import MAX_ID, whole_number
from voxloop.deps import DbSession
from voxloop.errors import NotAuthenticated, PermissionDenied, VoxloopError, invalid
from voxloop.web.render import render, render_blocks

STATIC = Path(__file__).resolve().parent / "static"


def request_locale(request: Request) -> str:
    user = getattr(request.state, "user", None)
    locale = locale_for(request.scope, user.locale if user else None)
    request.state.locale = locale
    return locale


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "request": request,
        "user": getattr(request.state, "user", None),
        "org": getattr(request.state, "org", None),
        "csrf_token": csrf_token(request),
    }


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = render(template, request_locale(request), **_page_context(request), **context)
    return HTMLResponse(html, status_code=status_code)


def in_place(request: Request) -> bool:
    """Whether htmx asked for the request, to swap the answer into the page: a page then sends
    only the parts that changed (`fragment`). Going back in history asks for the whole page."""
    return "HX-Request" in request.headers and "HX-History-Restore-Request" not in request.headers


def fragment(request: Request, template: str, blocks: Sequence[str], **context: Any) -> HTMLResponse:
    """The `blocks` of the page `template`, drawn as the whole page draws them, for htmx to swap in."""
    html = render_blocks(template, request_locale(request), blocks, **_page_context(request), **context)
    return HTMLResponse(html)


def error_page(request: Request, err: VoxloopError) -> Response:
    if isinstance(err, NotAuthenticated):
        to = f"/login?next={request.url.path}"
        if in_place(request):  # htmx would follow a redirect and swap the login page in
            return Response(status_code=204, headers={"HX-Redirect": to})
        return RedirectResponse(to, status_code=303)
    shown = page(
        request,
        "error.html",
        status_code=err.status_code,
        error=err.to_dict(request_locale(request))["error"],
    )
    if in_place(request):  # the error page replaces the page, not the part being updated
        shown.headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML"})
    return shown


@dataclass(frozen=True)
class PageUser:
    """What pages show of the signed-in user, copied when the request signs them in: a form
    refused later rolls the request's transaction back, which expires the ORM objects, and an
    error page is rendered after the request's session has closed."""

    id: int
    email: str
    name: str
    role: str
    locale: str | None
    is_active: bool

    def can(self, permission: str) -> bool:
        return may(role=self.role, is_active=self.is_active, permission=permission)


@dataclass(frozen=True)
class PageOrg:
    """What pages show of the signed-in user's organization (copied as `PageUser` is)."""

    id: int
    slug: str
    name: str
    timezone: str


def _web_user(request: Request, db: DbSession) -> User:
    user_id, org_id = request.session.get("user_id"), request.session.get("org_id")
    user = accounts.get_user(db=db, org_id=int(org_id), user_id=int(user_id)) if user_id and org_id else None
    if user is None or not user.is_active or request.session.get("epoch", 0) != user.session_epoch:
        request.session.pop("user_id", None)
        raise NotAuthenticated()
    org = _web_org(user, db)
    request.state.user = PageUser(user.id, user.email, user.name, user.role, user.locale, user.is_active)
    request.state.org = PageOrg(org.id, org.slug, org.name, org.timezone)
    return user


WebUser = Annotated[User, Depends(_web_user)]


def _web_org(user: WebUser, db: DbSession) -> Organization:
    org = accounts.get_org(db=db, org_id=user.org_id)  # in the session's identity map already
    if org is None:
        raise NotAuthenticated()
    return org


WebOrg = Annotated[Organization, Depends(_web_org)]


def web_actor(user: WebUser) -> Actor:
    return Actor.user(user.id, user.email, via="web")


WebActor = Annotated[Actor, Depends(web_actor)]


def web_require(permission: str):  # type: ignore[no-untyped-def]
    """A page's `require`: the same permission table decides (see voxloop.accounts.models)."""

    def check(user: WebUser) -> User:
        if not user.can(permission):
            raise PermissionDenied()
        return user

    check.permission = permission  # type: ignore[attr-defined] # read by the API-and-web test
    return Depends(check)


async def check_csrf(request: Request) -> None:
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, str(expected)):
        raise PermissionDenied(
            "The form expired or did not come from this site; reload the page and try again."
        )


Csrf = Depends(check_csrf)


async def _web_form(request: Request) -> FormData:
    return await request.form()  # parsed once per request (Csrf has read it already)


# The submitted form, for a route that is a plain def: what it does with it (files, spreadsheets,
# the database) then runs in the thread pool, never on the event loop.
WebForm = Annotated[FormData, Depends(_web_form)]


def form_number(value: object, field: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """A whole number a form sent (an id, a count of days): None when left blank, a 422 naming
    the field when it is anything else or outside [low, high]."""
    number = whole_number(str(value or ""))
    if number == "":
        return None
    if not isinstance(number, int) or not low <= number <= high:
        raise invalid(field, "an id" if high == MAX_ID else f"a whole number from {low} to {high}")
    return number
