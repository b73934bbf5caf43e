"""Administration pages of the accounts domain: the organization's people, its departments, its
branches (hotels, stores, offices: the managed list a feedback record's branch is chosen from)
and the API tokens its integrations sign in with."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from voxloop.accounts import service
from voxloop.accounts.models import Organization, Role
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.web.forms import form_errors
from voxloop.web.pages import Csrf, WebActor, WebOrg, form_number, page, web_require

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(max_length=200)]
City = Annotated[str, Form(max_length=100)]
Opt = Annotated[str, Form()]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- people -------------------------------------------------------------------------------------


@router.get("/admin/users", dependencies=[web_require("admin.manage")])
def users_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _users_page(request, org, db)


def _users_page(
    request: Request,
    org: Organization,
    db: Session,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    # Not a route: the errors come from this server, never from the request.
    return page(
        request,
        "admin/users.html",
        status_code=status_code,
        users=service.list_users(db=db, org_id=org.id),
        departments=service.list_departments(db=db, org_id=org.id),
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
        service.create_user(
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
        return _users_page(request, org, db, errors=form_errors(exc), status_code=exc.status_code)
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
    service.update_user(
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


# -- departments --------------------------------------------------------------------------------


@router.get("/admin/departments", dependencies=[web_require("admin.manage")])
def departments_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return page(
        request,
        "admin/departments.html",
        departments=service.list_departments(db=db, org_id=org.id),
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
        service.create_department(db=db, org_id=org.id, actor=actor, name=name, name_en=name_en)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return page(
            request,
            "admin/departments.html",
            status_code=exc.status_code,
            departments=service.list_departments(db=db, org_id=org.id),
            errors=form_errors(exc),
        )
    return _redirect("/admin/departments")


# -- branches -----------------------------------------------------------------------------------


def _list(request: Request, org: WebOrg, db: DbSession, exc: VoxloopError | None = None) -> Response:
    errors = exc.form_errors() if exc else []
    return page(
        request,
        "admin/branches.html",
        status_code=exc.status_code if exc else 200,
        branches=service.list_branches(db=db, org_id=org.id),
        errors=errors,
    )


@router.get("/admin/branches", dependencies=[web_require("admin.manage")])
def branches_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _list(request, org, db)


@router.post("/admin/branches", dependencies=[Csrf, web_require("admin.manage")])
def create_branch(
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    name: Name,
    name_en: Name = "",
    city: City = "",
) -> Response:
    try:
        service.create_branch(db=db, org_id=org.id, actor=actor, name=name, name_en=name_en, city=city)
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        return _list(request, org, db, exc)
    return _redirect("/admin/branches")


@router.post("/admin/branches/{branch_id}", dependencies=[Csrf, web_require("admin.manage")])
def update_branch(
    branch_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    name_en: Name = "",
    city: City = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    changes = {"name_en": name_en, "city": city, "active": active == "1"}
    service.update_branch(db=db, org_id=org.id, actor=actor, branch_id=branch_id, changes=changes)
    db.commit()
    return _redirect("/admin/branches")


# -- API tokens ---------------------------------------------------------------------------------


@router.get("/admin/tokens", dependencies=[web_require("admin.manage")])
def tokens_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _tokens_page(request, org, db)


def _tokens_page(request: Request, org: Organization, db: Session, new_token: str | None = None) -> Response:
    # Not a route: only tokens_create passes new_token, so a link cannot show a planted "new token".
    return page(
        request,
        "admin/tokens.html",
        tokens=service.list_tokens(db=db, org_id=org.id),
        users={u.id: u for u in service.list_users(db=db, org_id=org.id)},
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
    _, raw = service.create_token(db=db, org_id=org.id, actor=actor, user_id=user_id, name=name)
    db.commit()
    # Shown once, in this response only; it is stored hashed.
    return _tokens_page(request, org, db, new_token=raw)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[Csrf, web_require("admin.manage")])
def tokens_revoke(token_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    service.revoke_token(db=db, org_id=org.id, actor=actor, token_id=token_id)
    db.commit()
    return _redirect("/admin/tokens")
