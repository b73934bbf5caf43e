"""Server-rendered pages of the session: sign-in, sign-out and the language chosen (the inbox
and the record page are voxloop.feedback.pages)."""

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.accounts import service as accounts
from voxloop.common import i18n, ratelimit
from voxloop.db import session_scope, writing
from voxloop.deps import DbSession
from voxloop.web.pages import Csrf, page

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
