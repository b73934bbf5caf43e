"""Shared FastAPI dependencies as Annotated aliases: the session, the caller, their organization."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization, User
from voxloop.audit.service import Actor
from voxloop.db import get_sessionmaker
from voxloop.errors import NotAuthenticated, PermissionDenied, UnsupportedMediaType


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; GET and HEAD requests read without taking SQLite's write lock."""
    db = get_sessionmaker(readonly=request.method in ("GET", "HEAD"))()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db)]


def _api_user(request: Request, db: DbSession) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated(headers={"WWW-Authenticate": "Bearer"})
    user = accounts.user_for_token(db=db, raw=raw.strip())
    if user is None:
        raise NotAuthenticated("The API token is unknown or revoked.", headers={"WWW-Authenticate": "Bearer"})
    request.state.user = user
    return user


ApiUser = Annotated[User, Depends(_api_user)]


def _api_org(user: ApiUser, db: DbSession) -> Organization:
    org = accounts.get_org(db=db, org_id=user.org_id)
    assert org is not None
    return org


ApiOrg = Annotated[Organization, Depends(_api_org)]


def api_actor(user: ApiUser) -> Actor:
    return Actor.user(user.id, user.email, via="api")


ApiActor = Annotated[Actor, Depends(api_actor)]


def require(permission: str):  # type: ignore[no-untyped-def]
    """A dependency that lets the API call through only with `permission`."""

    def check(user: ApiUser) -> User:
        if not user.can(permission):
            raise PermissionDenied()
        return user

    return Depends(check)


def json_body(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise UnsupportedMediaType(expected="application/json")


JsonBody = Depends(json_body)
