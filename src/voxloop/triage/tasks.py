"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from voxloop.db import session_scope, write_lock
from voxloop.feedback.flows import TRIAGE
from voxloop.jobs.executor import batch_task
from voxloop.triage import service


@batch_task(TRIAGE)
def triage(payloads: list[dict[str, Any]]) -> None:
    """Every due triage message at once. Idempotent: records triaged already are skipped.
    Classifies outside the write lock, then writes with one bulk statement inside it."""
    ids = [int(i) for p in payloads for i in p["feedback_ids"]]
    with session_scope(readonly=True) as db:
        plan = service.plan_triage(db=db, feedback_ids=ids)
    if plan:
        with write_lock(), session_scope() as db:
            service.apply_triage(db=db, plan=plan)
            db.commit()
