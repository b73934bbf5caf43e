"""Administration pages of the accounts domain: the organization's branches (hotels, stores,
offices), the managed list a feedback record's branch is chosen from."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.accounts import service
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.web.pages import Csrf, WebActor, WebOrg, page, web_require

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(max_length=200)]
City = Annotated[str, Form(max_length=100)]


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
    return RedirectResponse("/admin/branches", status_code=303)


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
    return RedirectResponse("/admin/branches", status_code=303)
