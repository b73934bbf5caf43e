"""Webhook subscriptions, emitting events into the delivery log (through the outbox, in the
transaction of the change), and redelivery."""

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.common.cache import Cache
from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.errors import NotFound, invalid
from voxloop.jobs import service as jobs
from voxloop.webhooks import urls
from voxloop.webhooks.models import Webhook, WebhookDelivery

DELIVER = "webhooks.deliver"
EVENTS = (
    "feedback.created",
    "case.status_changed",
    "commitment.breached",
    "survey.response_created",
    "alert.raised",
)
# An organization's active subscriptions, per event: emit() runs inside busy write paths.
_subscriptions = Cache(ttl=5.0)


def reset_cache() -> None:
    _subscriptions.clear()


def check_url(url: str) -> None:
    reason = urls.problem(url, allow_private=get_settings().webhook_allow_private)
    if reason:
        raise invalid("url", reason)


def create(
    *, db: Session, org_id: int, actor: Actor, url: str, events: list[str], description: str = ""
) -> Webhook:
    """A subscription with a fresh secret (shown in the answer; keep it to check signatures)."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise invalid(
            "events",
            f"choose from {', '.join(EVENTS)}" + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
        )
    check_url(url)
    hook = Webhook(
        org_id=org_id,
        url=url,
        events=sorted(set(events)),
        secret=secrets.token_urlsafe(32),
        description=description,
    )
    db.add(hook)
    db.flush()
    audit.record(
        db=db, org_id=org_id, actor=actor, action="create", entity="webhook", entity_id=hook.id,
        after={"url": url, "events": hook.events},
    )  # fmt: skip
    _subscriptions.clear()
    return hook


def list_webhooks(*, db: Session, org_id: int) -> list[Webhook]:
    return list(db.scalars(select(Webhook).where(Webhook.org_id == org_id).order_by(Webhook.id)))


def get(*, db: Session, org_id: int, webhook_id: int) -> Webhook:
    hook = db.scalars(select(Webhook).where(Webhook.org_id == org_id, Webhook.id == webhook_id)).first()
    if hook is None:
        raise NotFound()
    return hook


def update(*, db: Session, org_id: int, actor: Actor, webhook_id: int, is_active: bool) -> Webhook:
    """Pause or resume a subscription: while paused, no deliveries are logged for it."""
    hook = get(db=db, org_id=org_id, webhook_id=webhook_id)
    if hook.is_active != is_active:
        audit.record(
            db=db, org_id=org_id, actor=actor, action="update", entity="webhook", entity_id=hook.id,
            before={"is_active": hook.is_active}, after={"is_active": is_active},
        )  # fmt: skip
        hook.is_active = is_active
        _subscriptions.clear()
    return hook


def delete(*, db: Session, org_id: int, actor: Actor, webhook_id: int) -> None:
    hook = get(db=db, org_id=org_id, webhook_id=webhook_id)
    audit.record(
        db=db, org_id=org_id, actor=actor, action="delete", entity="webhook", entity_id=hook.id,
        before={"url": hook.url, "events": hook.events},
    )  # fmt: skip
    db.delete(hook)
    _subscriptions.clear()


def _active(db: Session, org_id: int) -> dict[str, list[int]]:
    def load() -> dict[str, list[int]]:
        by_event: dict[str, list[int]] = {}
        for hook_id, events in db.execute(
            select(Webhook.id, Webhook.events).where(Webhook.org_id == org_id, Webhook.is_active.is_(True))
        ):
            for event in events:
                by_event.setdefault(event, []).append(hook_id)
        return by_event

    return _subscriptions.get_or_load(org_id, load)


def subscribed(*, db: Session, org_id: int, event: str) -> bool:
    """Whether anyone listens: callers skip building payloads nobody will receive."""
    return bool(_active(db, org_id).get(event))


def emit(*, db: Session, org_id: int, event: str, data: list[dict[str, Any]]) -> int:
    """Log a delivery of `event` for each item of `data` to each subscription and queue it, in
    the caller's transaction; nothing is sent before it commits. Returns the deliveries made."""
    hooks = _active(db, org_id).get(event, [])
    if not hooks or not data:
        return 0
    now = utcnow()
    deliveries = [
        WebhookDelivery(
            org_id=org_id,
            webhook_id=hook_id,
            event=event,
            payload={"event": event, "created_at": now.isoformat(), "data": item},
            created_at=now,
        )
        for hook_id in hooks
        for item in data
    ]
    db.add_all(deliveries)
    db.flush()
    jobs.enqueue_many(
        db=db, task=DELIVER, payloads=[{"delivery_id": d.id} for d in deliveries], org_id=org_id
    )
    return len(deliveries)


def deliveries(*, db: Session, org_id: int, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    get(db=db, org_id=org_id, webhook_id=webhook_id)
    return list(
        db.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.org_id == org_id, WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def redeliver(*, db: Session, org_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a logged delivery again (a new attempt series); the caller commits."""
    delivery = db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.org_id == org_id, WebhookDelivery.id == delivery_id)
    ).first()
    if delivery is None:
        raise NotFound()
    delivery.status, delivery.attempts, delivery.error = "pending", 0, None
    jobs.enqueue(db=db, org_id=org_id, task=DELIVER, payload={"delivery_id": delivery.id, "again": True})
    return delivery
