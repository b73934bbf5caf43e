"""Outbox handler: retrain an organization's category model in the background; periodically,
queue it for each organization with new labels."""

import logging
from typing import Any

from voxloop.db import session_scope, writing
from voxloop.jobs import service as jobs
from voxloop.jobs.registry import periodic, task
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
    with session_scope() as db, writing(db):
        service.store(db=db, org_id=payload["org_id"], model=model)


@periodic("retraining", every="text_retrain_seconds")
def schedule_retraining() -> int:
    """Queue a category-model retraining for each organization with new labels."""
    with session_scope(readonly=True) as db:
        orgs = service.orgs_to_retrain(db=db)
    if not orgs:
        return 0
    with session_scope() as db, writing(db):
        jobs.enqueue_many(db=db, task=LEARN, payloads=[{"org_id": o} for o in orgs], org_id=None)
    return len(orgs)
