"""Outbox handler: an import queued from the web, written in the background; run again after a
crash, it goes on from the rows its record says were handled."""

import logging
from typing import Any

from voxloop.accounts import service as accounts
from voxloop.audit.service import Actor
from voxloop.db import session_scope, writing
from voxloop.errors import VoxloopError
from voxloop.imports import service, staging
from voxloop.imports.models import ImportRun
from voxloop.jobs.registry import task

log = logging.getLogger(__name__)


@task(service.RUN)
def run_import(payload: dict[str, Any]) -> None:
    with session_scope() as db:
        record = db.get(ImportRun, payload["run_id"])
        if record is None or record.status != "running":
            return
        org = accounts.get_org(db=db, org_id=record.org_id)
        if org is None:
            return
        try:
            frame = staging.load(org_id=org.id, key=payload["upload"])
            service.check_size(frame)
            if record.rows != len(frame):  # a large upload, kept unread until now
                with writing(db):
                    record.rows = len(frame)
            service.run(
                db=db, org=org, actor=Actor(label=record.by, user_id=payload.get("user_id")), frame=frame,
                mapping=payload["mapping"], defaults=payload["defaults"], filename=record.filename,
                source=record.source, record=record, classify=True,
            )  # fmt: skip
        except VoxloopError as exc:  # the upload is gone, or the mapping no longer fits: not retried
            db.rollback()
            log.warning("import run %s failed: %s", record.id, exc.fields or exc.message)
            with writing(db):
                record.status = "failed"
                record.problems = [
                    *record.problems,
                    *(exc.fields or [{"field": "file", "reason": exc.message}]),
                ]
            return
    staging.discard(org_id=org.id, key=payload["upload"])
