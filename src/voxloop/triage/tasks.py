"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from voxloop.db import session_scope
from voxloop.feedback.flows import TRIAGE
from voxloop.jobs.executor import task
from voxloop.triage import service


@task(TRIAGE)
def triage(payload: dict[str, Any]) -> None:
    """Idempotent: records triaged already are skipped."""
    with session_scope() as db:
        service.triage_many(db=db, feedback_ids=[int(i) for i in payload["feedback_ids"]])
        db.commit()
