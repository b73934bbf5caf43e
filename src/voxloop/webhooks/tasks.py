"""Outbox handler: send one webhook delivery, signed; a failure is retried with back-off by
the outbox, and the delivery log says what happened each time."""

import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.db import session_scope, write_lock
from voxloop.jobs.executor import task
from voxloop.webhooks import signing, urls
from voxloop.webhooks.models import Webhook, WebhookDelivery
from voxloop.webhooks.service import DELIVER

TIMEOUT_SECONDS = 10.0


class DeliveryFailed(Exception):
    pass


def _record(delivery_id: int, **values: Any) -> None:
    with write_lock(), session_scope() as db:
        delivery = db.get(WebhookDelivery, delivery_id)
        if delivery is not None:
            for key, value in values.items():
                setattr(delivery, key, value)
            db.commit()


@task(DELIVER)
def deliver(payload: dict[str, Any]) -> None:
    with session_scope(readonly=True) as db:
        delivery = db.get(WebhookDelivery, int(payload["delivery_id"]))
        hook = db.get(Webhook, delivery.webhook_id) if delivery else None
        if delivery is None or hook is None or delivery.status == "delivered" and not payload.get("again"):
            return  # deleted, or delivered by an earlier run of this message
        url, secret, body_data, attempts = hook.url, hook.secret, delivery.payload, delivery.attempts + 1
        delivery_id, event = delivery.id, delivery.event
    settings = get_settings()
    body = json.dumps(body_data, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    error, status = None, None
    # Checked again at sending time: the name may resolve elsewhere now (DNS rebinding).
    reason = urls.problem(url, allow_private=settings.webhook_allow_private)
    if reason:
        error = f"url {reason}"
    else:
        try:
            response = httpx.post(
                url,
                content=body,
                timeout=TIMEOUT_SECONDS,
                follow_redirects=False,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Voxloop-Webhooks/1",
                    "X-Voxloop-Event": event,
                    "X-Voxloop-Delivery": str(delivery_id),
                    "X-Voxloop-Timestamp": str(timestamp),
                    "X-Voxloop-Signature": signing.sign(secret, timestamp, body),
                },
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"{urlsplit(url).hostname} answered {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
    if error is None:
        _record(delivery_id, status="delivered", attempts=attempts, response_status=status, error=None,
                delivered_at=utcnow())  # fmt: skip
        return
    final = attempts >= settings.outbox_max_attempts
    _record(delivery_id, status="failed" if final else "retrying", attempts=attempts, response_status=status,
            error=error[:2000])  # fmt: skip
    raise DeliveryFailed(error)
