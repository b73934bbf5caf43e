"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from voxloop.db import session_scope, write_lock
from voxloop.feedback.flows import TRIAGE
from voxloop.jobs.executor import task
from voxloop.triage import service


@task(TRIAGE)
def triage(payload: dict[str, Any]) -> None:
    """Idempotent: records triaged already are skipped. Classifies outside the write lock,
    then writes with two bulk statements inside it, taking turns with intake."""
    with session_scope(readonly=True) as db:
        plan = service.plan_triage(db=db, feedback_ids=[int(i) for i in payload["feedback_ids"]])
    if plan:
        with write_lock(), session_scope() as db:
            service.apply_triage(db=db, plan=plan)
            db.commit()
