"""Intake: turn validated input into durable records and their side effects, in one transaction."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.audit.service import Actor
from voxloop.common.time import utcnow
from voxloop.customers.service import Contact
from voxloop.errors import Conflict, InvalidInput, VoxloopError, field_error
from voxloop.feedback import attachments, service
from voxloop.feedback.models import Channel, Feedback, IdempotencyKey
from voxloop.feedback.schemas import FeedbackCreate, FeedbackFields
from voxloop.jobs import service as jobs

ACKNOWLEDGE = "feedback.acknowledge"


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


def _commit_with_side_effects(db: Session, org_id: int, created: list[service.Created]) -> None:
    jobs.enqueue_many(
        db=db,
        task=ACKNOWLEDGE,
        payloads=[{"feedback_id": c.id} for c in created if c.has_email],
        org_id=org_id,
    )
    db.commit()


def receive(
    *,
    db: Session,
    org: Organization,
    actor: Actor,
    drafts: list[service.Draft],
    recorded_by_id: int | None = None,
    acknowledge: bool = True,
) -> list[service.Created]:
    """Record feedback and queue the acknowledgements; durable once this returns."""
    created = service.create_many(
        db=db, org_id=org.id, actor=actor, drafts=drafts, recorded_by_id=recorded_by_id
    )
    _commit_with_side_effects(db, org.id, created if acknowledge else [])
    return created


@dataclass(frozen=True)
class Received:
    record: Feedback
    replayed: bool


def request_hash(data: FeedbackCreate) -> str:
    canonical = json.dumps(
        data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def receive_api(
    *, db: Session, org: Organization, actor: Actor, data: FeedbackCreate, idempotency_key: str | None
) -> Received:
    """POST /feedback: one record, honouring an Idempotency-Key."""
    digest = request_hash(data) if idempotency_key else ""
    if idempotency_key:
        replay = _replay(db, org.id, idempotency_key, digest)
        if replay is not None:
            return replay
    draft = draft_from_api(data, service.active_channels(db=db, org_id=org.id))
    created = service.create_many(
        db=db, org_id=org.id, actor=actor, drafts=[draft], recorded_by_id=actor.user_id
    )
    if idempotency_key:
        db.add(
            IdempotencyKey(org_id=org.id, key=idempotency_key, request_hash=digest, feedback_id=created[0].id)
        )
    try:
        _commit_with_side_effects(db, org.id, created)
    except IntegrityError:
        # Another request with the same key committed first: answer as it did.
        db.rollback()
        replay = _replay(db, org.id, idempotency_key or "", digest)
        if replay is None:
            raise
        return replay
    record = service.get(db=db, org_id=org.id, feedback_id=created[0].id)
    assert record is not None
    return Received(record=record, replayed=False)


def _replay(db: Session, org_id: int, key: str, digest: str) -> Received | None:
    row = db.scalar(select(IdempotencyKey).where(IdempotencyKey.org_id == org_id, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body.",
            fields=[field_error("Idempotency-Key", "reused with a different body")],
        )
    record = service.get(db=db, org_id=org_id, feedback_id=row.feedback_id)
    assert record is not None
    return Received(record=record, replayed=True)


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
