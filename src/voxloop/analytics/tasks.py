"""Periodic job: bring the analytics store up to date."""

import logging

import duckdb

from voxloop.analytics import store
from voxloop.db import session_scope
from voxloop.jobs.registry import periodic

log = logging.getLogger(__name__)


@periodic("analytics_sync", every="analytics_sync_seconds")
def sync_analytics() -> None:
    """Bring the analytics store up to date (skipped while another process holds it)."""
    try:
        with session_scope(readonly=True) as db:
            store.sync(db)
    except duckdb.IOException as exc:  # another process is writing it: next round
        log.info("analytics sync skipped: %s", exc)
