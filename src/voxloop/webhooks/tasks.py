"""Outbox handler: send one webhook delivery, signed; a failure is retried with back-off by
the outbox, and the delivery log says what happened each time."""

import json
import logging
import ssl
import time
from functools import lru_cache
from typing import Any

import certifi
import httpx

from voxloop.common.time import utcnow
from voxloop.config import get_settings
from voxloop.db import session_scope, writing
from voxloop.jobs.registry import task
from voxloop.webhooks import signing, urls
from voxloop.webhooks.models import Webhook, WebhookDelivery
from voxloop.webhooks.service import DELIVER

log = logging.getLogger(__name__)
COULD_NOT_DELIVER = "could not deliver"


class DeliveryFailed(Exception):
    pass


def _record(delivery_id: int, **values: Any) -> None:
    with session_scope() as db, writing(db):
        delivery = db.get(WebhookDelivery, delivery_id)
        if delivery is not None:
            for key, value in values.items():
                setattr(delivery, key, value)


@lru_cache(maxsize=4)
def _verify(bundle: str) -> ssl.SSLContext:
    """The public certificate authorities, and an internal one when VOXLOOP_WEBHOOK_CA_BUNDLE
    names it; the certificate is checked against the URL's host either way. Made once: loading
    the authorities costs more than a delivery."""
    context = ssl.create_default_context(cafile=certifi.where())
    if bundle:
        context.load_verify_locations(cafile=bundle)
    return context


def _post(target: urls.Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the checked address itself, never to what the name resolves to by then; the
    Host header and, over https, the TLS server name (and so the certificate check) stay the
    URL's host."""
    url = httpx.URL(target.url)
    pinned = url.copy_with(host=str(target.address))
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else None
    # trust_env off: a proxy from the environment would resolve the name again itself.
    verify = _verify(get_settings().webhook_ca_bundle)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=verify) as client:
        response = client.post(
            pinned,
            content=body,
            headers={**headers, "Host": url.netloc.decode("ascii")},
            extensions=extensions,
        )
    return response.status_code


@task(DELIVER)
def deliver(payload: dict[str, Any], *, resolver: urls.Resolver = urls.resolve) -> None:
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
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Voxloop-Webhooks/1",
        "X-Voxloop-Event": event,
        "X-Voxloop-Delivery": str(delivery_id),
        "X-Voxloop-Timestamp": str(timestamp),
        "X-Voxloop-Signature": signing.sign(secret, timestamp, body),
    }
    status = None
    # The log says no more than this (and the status, when one came back): what a refused
    # address or a failed connection was would tell a subscriber which inside ports are open.
    error: str | None = COULD_NOT_DELIVER
    try:
        # Checked again at sending time, and sent to the address checked (DNS rebinding).
        target = urls.check(url, allow_private=settings.webhook_allow_private, resolver=resolver)
        status = _post(target, body, headers, settings.webhook_timeout_seconds)
        error = None if 200 <= status < 300 else f"{COULD_NOT_DELIVER} (HTTP {status})"
    except (urls.Refused, httpx.HTTPError) as exc:
        log.info("webhook delivery %s could not be delivered: %s: %s", delivery_id, type(exc).__name__, exc)
    if error is None:
        _record(delivery_id, status="delivered", attempts=attempts, response_status=status, error=None,
                delivered_at=utcnow())  # fmt: skip
        return
    final = attempts >= settings.outbox_max_attempts
    _record(delivery_id, status="failed" if final else "retrying", attempts=attempts, response_status=status,
            error=error)  # fmt: skip
    raise DeliveryFailed(error)
