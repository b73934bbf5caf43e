"""REST API for webhook subscriptions, their delivery log and redelivery (admins)."""

from fastapi import APIRouter, Response, status

from voxloop.common.types import PathId
from voxloop.deps import ApiActor, ApiOrg, DbSession, JsonBody, require
from voxloop.webhooks import service
from voxloop.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.get("", response_model=list[WebhookRead], dependencies=[require("admin.manage")])
def list_webhooks(org: ApiOrg, db: DbSession) -> list[WebhookRead]:
    return [WebhookRead.model_validate(h) for h in service.list_webhooks(db=db, org_id=org.id)]


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody, require("admin.manage")],
)
def create_webhook(body: WebhookCreate, org: ApiOrg, actor: ApiActor, db: DbSession) -> WebhookCreated:
    """Subscribe a URL to events; the answer carries the signing secret, shown only here."""
    hook = service.create(
        db=db, org_id=org.id, actor=actor, url=body.url, events=body.events, description=body.description
    )
    db.commit()
    return WebhookCreated.model_validate(hook)


@router.delete(
    "/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[require("admin.manage")]
)
def delete_webhook(webhook_id: PathId, org: ApiOrg, actor: ApiActor, db: DbSession) -> Response:
    service.delete(db=db, org_id=org.id, actor=actor, webhook_id=webhook_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries", response_model=list[DeliveryRead], dependencies=[require("admin.manage")]
)
def list_deliveries(webhook_id: PathId, org: ApiOrg, db: DbSession) -> list[DeliveryRead]:
    """The latest 100 deliveries: event, payload, status, attempts, the receiver's answer."""
    return [
        DeliveryRead.model_validate(d)
        for d in service.deliveries(db=db, org_id=org.id, webhook_id=webhook_id)
    ]


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[require("admin.manage")],
)
def redeliver(delivery_id: PathId, org: ApiOrg, db: DbSession) -> DeliveryRead:
    delivery = service.redeliver(db=db, org_id=org.id, delivery_id=delivery_id)
    db.commit()
    return DeliveryRead.model_validate(delivery)
