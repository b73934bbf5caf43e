"""Webhook pages (admins): the subscriptions, adding one (its signing secret shown once),
pausing and deleting, and each subscription's delivery log with redelivery."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from voxloop.common.types import PathId
from voxloop.deps import DbSession
from voxloop.errors import VoxloopError, field_error
from voxloop.web.pages import Csrf, WebActor, WebOrg, page, request_locale, web_require
from voxloop.webhooks import service
from voxloop.webhooks.schemas import WebhookCreate

router = APIRouter(include_in_schema=False)


def _list_page(
    request: Request,
    org: Any,
    db: Any,
    created: Any = None,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    # Not a route: only create() passes the new subscription, so a link cannot show a secret.
    return page(
        request,
        "admin/webhooks.html",
        status_code=status_code,
        webhooks=service.list_webhooks(db=db, org_id=org.id),
        events=service.EVENTS,
        created=created,
        errors=errors or [],
        values=values or {"url": "", "description": "", "events": []},
    )


@router.get("/admin/webhooks", dependencies=[web_require("admin.manage")])
def list_page(request: Request, org: WebOrg, db: DbSession) -> Response:
    return _list_page(request, org, db)


@router.post("/admin/webhooks", dependencies=[Csrf, web_require("admin.manage")])
def create(
    request: Request,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    url: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=200)] = "",
    events: Annotated[list[str] | None, Form()] = None,
) -> Response:
    values = {"url": url.strip(), "description": description.strip(), "events": events or []}
    try:
        body = WebhookCreate.model_validate(values)
        hook = service.create(
            db=db, org_id=org.id, actor=actor, url=body.url, events=body.events, description=body.description
        )
        db.commit()
    except ValidationError as exc:
        errors = [field_error(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        return _list_page(request, org, db, errors=errors, values=values, status_code=422)
    except VoxloopError as exc:
        db.rollback()
        errors = exc.fields or [field_error("", exc.to_dict(request_locale(request))["error"]["message"])]
        return _list_page(request, org, db, errors=errors, values=values, status_code=exc.status_code)
    return _list_page(request, org, db, created=hook)


@router.post("/admin/webhooks/{webhook_id}/active", dependencies=[Csrf, web_require("admin.manage")])
def set_active(
    webhook_id: PathId,
    org: WebOrg,
    actor: WebActor,
    db: DbSession,
    active: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    service.update(db=db, org_id=org.id, actor=actor, webhook_id=webhook_id, is_active=active == "1")
    db.commit()
    return RedirectResponse("/admin/webhooks", status_code=303)


@router.post("/admin/webhooks/{webhook_id}/delete", dependencies=[Csrf, web_require("admin.manage")])
def delete(webhook_id: PathId, org: WebOrg, actor: WebActor, db: DbSession) -> Response:
    service.delete(db=db, org_id=org.id, actor=actor, webhook_id=webhook_id)
    db.commit()
    return RedirectResponse("/admin/webhooks", status_code=303)


@router.get("/admin/webhooks/{webhook_id}", dependencies=[web_require("admin.manage")])
def deliveries_page(
    webhook_id: PathId, request: Request, org: WebOrg, db: DbSession, redelivered: int = 0
) -> Response:
    return page(
        request,
        "admin/webhook_deliveries.html",
        webhook=service.get(db=db, org_id=org.id, webhook_id=webhook_id),
        deliveries=service.deliveries(db=db, org_id=org.id, webhook_id=webhook_id),
        redelivered=redelivered,
    )


@router.post(
    "/admin/webhooks/deliveries/{delivery_id}/redeliver", dependencies=[Csrf, web_require("admin.manage")]
)
def redeliver(delivery_id: PathId, org: WebOrg, db: DbSession) -> Response:
    delivery = service.redeliver(db=db, org_id=org.id, delivery_id=delivery_id)
    db.commit()
    return RedirectResponse(
        f"/admin/webhooks/{delivery.webhook_id}?redelivered={delivery.id}", status_code=303
    )
