"""Pages of the cases domain: the canned replies agents start from on the record page (name,
Chinese and English text), and the service KPIs by department, agent or channel."""

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from voxloop.cases import kpis, service
from voxloop.common import i18n
from voxloop.common.i18n import N_
from voxloop.common.time import utcnow
from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError
from voxloop.feedback import service as feedback
from voxloop.web.pages import Csrf, WebActor, WebOrg, page, request_locale, web_require

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


# -- service KPIs -------------------------------------------------------------------------------


KPI_GROUPS = {"department": N_("Department"), "agent": N_("Agent"), "channel": N_("Channel")}


@router.get("/reports/kpis", dependencies=[web_require("kpis.read")])
def kpis_page(
    request: Request,
    org: WebOrg,
    db: DbSession,
    by: Annotated[str, Query(pattern="^(department|agent|channel)$")] = "department",
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Response:
    end = utcnow()
    report = kpis.report(db, org.id, by, end - timedelta(days=days), end)
    locale = request_locale(request)
    if by == "channel":
        names = {c.code: c for c in feedback.active_channels(db=db, org_id=org.id).values()}
        for row in report["rows"]:
            channel = names.get(row["key"])
            row["label"] = (
                (channel.name_en if locale == "en" and channel.name_en else channel.name)
                if channel
                else row["key"]
            )
    groups = [(g, i18n.gettext(label, locale)) for g, label in KPI_GROUPS.items()]
    return page(
        request,
        "reports/kpis.html",
        report=report,
        days=days,
        groups=groups,
        label_of_group=dict(groups)[by],
    )
