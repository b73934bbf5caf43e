"""Shared FastAPI dependencies as Annotated aliases: the session, the caller, their organization."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization, User
from voxloop.audit.service import Actor
from voxloop.common import cache
from voxloop.common.i18n import N_
from voxloop.db import get_sessionmaker, session_scope
from voxloop.errors import NotAuthenticated, PermissionDenied, UnsupportedMediaType


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; GET and HEAD requests read without taking SQLite's write lock."""
    db = get_sessionmaker(readonly=request.method in ("GET", "HEAD"))()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db)]


# The dependencies below are async because they do no blocking I/O (or hand it to the
# thread pool): a sync dependency costs a thread-pool round trip on every request.


async def _api_user(request: Request) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
    found: tuple[User, Organization] | None = cache.tokens.get(raw.strip())
    if found is None:
        found = await run_in_threadpool(_load_token, raw.strip())
        cache.tokens.put(raw.strip(), found)
    if found is None:
        raise NotAuthenticated(
            N_("The API token is unknown or revoked."), headers={"WWW-Authenticate": "Bearer"}
        )
    user, org = found
    request.state.user = user
    request.state.org = org
    return user


def _load_token(raw: str) -> tuple[User, Organization] | None:
    # A session of its own, closed at once: no connection stays checked out for the request.
    with session_scope(readonly=True) as db:
        return accounts.user_for_token(db=db, raw=raw)


ApiUser = Annotated[User, Depends(_api_user)]


async def _api_org(request: Request, user: ApiUser) -> Organization:
    return request.state.org  # type: ignore[no-any-return]


ApiOrg = Annotated[Organization, Depends(_api_org)]


async def api_actor(user: ApiUser) -> Actor:
    return Actor.user(user.id, user.email, via="api")


ApiActor = Annotated[Actor, Depends(api_actor)]


def require(permission: str):  # type: ignore[no-untyped-def]
    """A dependency that lets the API call through only with `permission`."""

    async def check(user: ApiUser) -> User:
        if not user.can(permission):
            raise PermissionDenied()
        return user

    check.permission = permission  # type: ignore[attr-defined] # read by the role x endpoint test
    return Depends(check)


async def json_body(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise UnsupportedMediaType(expected="application/json")


JsonBody = Depends(json_body)
