"""Intake: turn validated input into durable records and their side effects, in one transaction."""

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from voxloop.accounts.models import Organization
from voxloop.audit.service import Actor
from voxloop.common import cache
from voxloop.common.time import utcnow
from voxloop.customers.service import Contact
from voxloop.db import session_scope, writing
from voxloop.errors import InvalidInput, VoxloopError, field_error
from voxloop.feedback import attachments, intake, service
from voxloop.feedback.models import Channel
from voxloop.feedback.schemas import FeedbackCreate, FeedbackFields
from voxloop.jobs import service as jobs

ACKNOWLEDGE = "feedback.acknowledge"
TRIAGE = "feedback.triage"


def draft_from(
    data: FeedbackFields,
    *,
    channel: str,
    channels: dict[str, Channel],
    blobs: list[attachments.Blob] | None = None,
    received_at: Any = None,
    external_ref: str | None = None,
) -> service.Draft:
    service.check_channel(channel, channels)
    c = data.customer
    return service.Draft(
        channel=channel,
        description=data.description,
        received_at=received_at or utcnow(),
        contact=Contact(name=c.name, email=c.email, phone=c.phone, locale=c.locale) if c else None,
        customer_request=data.customer_request,
        touchpoint=data.touchpoint,
        product=data.product,
        branch=data.branch,
        language=data.language,
        external_ref=external_ref,
        blobs=blobs or [],
    )


def draft_from_api(data: FeedbackCreate, channels: dict[str, Channel], prefix: str = "") -> service.Draft:
    blobs = [
        attachments.check(
            a.filename,
            a.content_type,
            attachments.decode_base64(a.content_base64, f"{prefix}attachments.{i}"),
            f"{prefix}attachments.{i}",
        )
        for i, a in enumerate(data.attachments)
    ]
    return draft_from(
        data,
        channel=data.channel,
        channels=channels,
        blobs=blobs,
        received_at=data.received_at,
        external_ref=data.external_ref,
    )


def _enqueue_side_effects(
    db: Session,
    org_id: int,
    created: list[service.Created],
    acknowledge: bool = True,
    historical: bool = False,
    triaged: bool = False,
) -> None:
    """Triage for every write (one message for all its records), unless the records were
    written triaged; an acknowledgement per email. Historical records (imports) are
    classified only: no routing, no clocks, no thank-yous."""
    if not created:
        return
    payload: dict[str, Any] = {"feedback_ids": [c.id for c in created]}
    if historical:
        payload["historical"] = True
    if not triaged:
        jobs.enqueue(db=db, task=TRIAGE, payload=payload, org_id=org_id)
    if acknowledge:
        payloads = [{"feedback_id": c.id} for c in created if c.has_email]
        jobs.enqueue_many(db=db, task=ACKNOWLEDGE, payloads=payloads, org_id=org_id)


def receive(
    *,
    db: Session,
    org: Organization,
    actor: Actor,
    drafts: list[service.Draft],
    recorded_by_id: int | None = None,
    acknowledge: bool = True,
    historical: bool = False,
    triaged: bool = False,
    also: Callable[[Session, list[service.Created]], None] | None = None,
    anonymous_ip: str | None = None,
) -> list[service.Created]:
    """Record feedback and queue the acknowledgements; durable once this returns. `also`
    writes more in the same transaction (email intake logs the message it came from). Drafts
    `triaged` already (imported history) are not triaged again. From the anonymous form
    (`anonymous_ip`), the attachments count against that address's daily bytes first: a post
    refused (429) there, or by the organization's quota (413), stores nothing."""
    with writing(db):
        if anonymous_ip is not None:
            nbytes = sum(len(b.data) for d in drafts for b in d.blobs)
            service.charge_form_bytes(db=db, ip=anonymous_ip, nbytes=nbytes)
        created = service.create_many(
            db=db, org_id=org.id, actor=actor, drafts=drafts, recorded_by_id=recorded_by_id
        )
        _enqueue_side_effects(db, org.id, created, acknowledge, historical, triaged)
        if also is not None:
            also(db, created)
    return created


def request_hash(data: FeedbackCreate) -> str:
    canonical = json.dumps(
        data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def receive_api(
    *, org: Organization, actor: Actor, data: FeedbackCreate, idempotency_key: str | None
) -> intake.Outcome:
    """POST /feedback: one record, honouring an Idempotency-Key, written by the group committer.

    Runs on the event loop: the channel list comes from the cache (else from a thread), the
    draft is pure computation, and waiting for the commit holds no thread."""
    channels = cache.channels.get(org.id)
    if channels is None:
        channels = await run_in_threadpool(_load_channels, org.id)
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[intake.Outcome] = loop.create_future()
    sub = intake.Submission(
        org_id=org.id,
        actor=actor,
        draft=draft_from_api(data, channels),
        idempotency_key=idempotency_key,
        request_hash=request_hash(data) if idempotency_key else "",
        loop=loop,
        waiter=waiter,
    )
    intake.writer(_enqueue_side_effects).submit(sub)
    return await waiter


def _load_channels(org_id: int) -> dict[str, Channel]:
    with session_scope(readonly=True) as db:
        return service.active_channels(db=db, org_id=org_id)


def receive_batch(*, db: Session, org: Organization, actor: Actor, items: list[Any]) -> list[dict[str, Any]]:
    """Validate each item on its own; write all valid ones in one transaction."""
    channels = service.active_channels(db=db, org_id=org.id)
    results: list[dict[str, Any]] = []
    drafts: list[service.Draft] = []
    slots: list[int] = []
    for i, raw in enumerate(items):
        try:
            data = FeedbackCreate.model_validate(raw)
            drafts.append(draft_from_api(data, channels))
            slots.append(i)
            results.append({"index": i, "ok": True})
        except ValidationError as exc:
            fields = [
                field_error(".".join(str(p) for p in e["loc"]) or "item", e["msg"]) for e in exc.errors()
            ]
            results.append(
                {"index": i, "ok": False, "error": InvalidInput(fields=fields).to_dict("en")["error"]}
            )
        except VoxloopError as exc:
            results.append({"index": i, "ok": False, "error": exc.to_dict("en")["error"]})
    created = receive(db=db, org=org, actor=actor, drafts=drafts, recorded_by_id=actor.user_id)
    for i, c in zip(slots, created, strict=True):
        results[i].update(id=c.id, tracking_code=c.tracking_code)
    return results
