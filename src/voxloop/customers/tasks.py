"""Outbox handler: what an erasure leaves outside the database once it commits — the files no
other record shares, caught mail to or from the customer, their link in the analytics store."""

from typing import Any

from sqlalchemy import select

from voxloop.analytics import store
from voxloop.customers.directory import ERASE_ANALYTICS
from voxloop.db import session_scope
from voxloop.feedback import attachments
from voxloop.feedback.models import Attachment
from voxloop.jobs.registry import task
from voxloop.mail import catcher
from voxloop.surveys import optouts


@task(ERASE_ANALYTICS)
def erase_analytics(payload: dict[str, Any]) -> None:
    """Idempotent; retried by the outbox while a sync holds the store."""
    files = set(payload.get("files", []))
    if files:
        with session_scope(readonly=True) as db:  # the same content uploaded again meanwhile stays
            files -= set(db.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(files))))
        for digest in files:
            attachments.path_for(digest).unlink(missing_ok=True)
    addresses = set(payload.get("addresses", []))
    if addresses:
        catcher.forget(lambda address: optouts.key(address) in addresses)
    ids = [int(i) for i in payload["feedback_ids"]]
    customer_id = payload.get("customer_id")
    if not store.path().exists():
        return
    with store.connect() as conn:
        if ids:
            marks = ", ".join("?" * len(ids))
            conn.execute(f"UPDATE feedback_facts SET customer_id = NULL WHERE id IN ({marks})", ids)  # noqa: S608  placeholders
        if customer_id is not None:
            conn.execute("UPDATE response_facts SET customer_id = NULL WHERE customer_id = ?", [customer_id])
            conn.execute(
                "UPDATE customer_facts SET segment = NULL, value_tier = NULL, region = NULL WHERE id = ?",
                [customer_id],
            )
