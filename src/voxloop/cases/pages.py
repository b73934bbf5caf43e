"""Administration page of the cases domain: the canned replies agents start from on the record
page (name, Chinese and English text)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.cases import service
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.web.pages import Csrf, WebActor, WebOrg, page, web_require

router = APIRouter(include_in_schema=False)
# Loose limits: the service checks the real ones and the page says which field is wrong.
Field = Annotated[str, Form(max_length=20_000)]
Manage = web_require("triage.manage")


def _list(
    request: Request,
    org: WebOrg,
    db: DbSession,
    exc: VoxloopError | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    errors = exc.form_errors() if exc else []
    return page(
        request,
        "admin/replies.html",
        status_code=exc.status_code if exc else 200,
        templates=service.list_reply_templates(db=db, org_id=org.id),
        errors=errors,
        values=values or {},
    )


@router.get("/admin/replies", dependencies=[Manage])
def replies_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _list(request, org, db)


def _form(name: Field = "", text_zh: Field = "", text_en: Field = "") -> dict[str, str]:
    return {"name": name, "text_zh": text_zh, "text_en": text_en}


TemplateForm = Annotated[dict[str, str], Depends(_form)]


def _saved(
    request: Request, org: WebOrg, db: DbSession, write: Callable[[], object], typed: dict[str, str]
) -> Response:
    """Back to the list once `write` is committed; the list with what was wrong (422) and what
    was typed in the new-template form otherwise. Another organization's template is a 404."""
    try:
        write()
        db.commit()
    except VoxloopError as exc:
        db.rollback()
        if exc.status_code == 404:
            raise
        return _list(request, org, db, exc, typed)
    return RedirectResponse("/admin/replies", status_code=303)


@router.post("/admin/replies", dependencies=[Csrf, Manage])
def create_reply_template(
    request: Request, org: WebOrg, actor: WebActor, db: DbSession, values: TemplateForm
) -> Response:
    return _saved(
        request,
        org,
        db,
        lambda: service.create_reply_template(db=db, org_id=org.id, actor=actor, **values),
        values,
    )


@router.post("/admin/replies/{reply_template_id}", dependencies=[Csrf, Manage])
def update_reply_template(
    request: Request,
    reply_template_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    values: TemplateForm,
) -> Response:
    def write() -> object:
        return service.update_reply_template(
            db=db, org_id=org.id, actor=actor, template_id=reply_template_id, changes=values
        )

    return _saved(request, org, db, write, {})


@router.post("/admin/replies/{reply_template_id}/delete", dependencies=[Csrf, Manage])
def delete_reply_template(reply_template_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    service.delete_reply_template(db=db, org_id=org.id, actor=actor, template_id=reply_template_id)
    db.commit()
    return RedirectResponse("/admin/replies", status_code=303)
