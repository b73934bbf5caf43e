"""Outbox handler: retrain an organization's category model in the background."""

import logging
from typing import Any

from voxloop.db import session_scope, write_lock
from voxloop.jobs.executor import task
from voxloop.text import categories, service

LEARN = "text.learn_categories"
log = logging.getLogger(__name__)


@task(LEARN)
def learn_categories(payload: dict[str, Any]) -> None:
    """Train on everything labelled so far; running twice only trains twice."""
    with session_scope(readonly=True) as db:
        texts, labels, people = service.training_examples(db=db, org_id=payload["org_id"])
    try:
        model = categories.learn(texts, labels, by_people=people)
    except categories.LearnError as exc:  # not enough labels yet: nothing to retry
        log.info("category model for org %s not trained: %s", payload["org_id"], exc)
        return
    with write_lock(), session_scope() as db:
        service.store(db=db, org_id=payload["org_id"], model=model)
        db.commit()
