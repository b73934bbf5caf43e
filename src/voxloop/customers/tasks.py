"""Outbox handler: an erased customer's records lose their link to them in the analytics store."""

from typing import Any

from voxloop.analytics import store
from voxloop.customers.directory import ERASE_ANALYTICS
from voxloop.jobs.executor import task


@task(ERASE_ANALYTICS)
def erase_analytics(payload: dict[str, Any]) -> None:
    """Retried by the outbox while a sync holds the store."""
    ids = [int(i) for i in payload["feedback_ids"]]
    if not ids or not store.path().exists():
        return
    with store.connect() as conn:
        conn.execute(
            f"UPDATE feedback_facts SET customer_id = NULL WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
