"""Periodic job: each organization's retention policy, applied."""

from voxloop.db import session_scope, writing
from voxloop.jobs.registry import periodic
from voxloop.privacy import service


@periodic("daily", every="themes_seconds")
def apply_retention() -> dict[int, dict[str, int]]:
    """Each organization's retention policy, applied to what has become too old."""
    with session_scope(readonly=True) as db:
        orgs = service.orgs_with_retention(db=db)
    done = {}
    for org_id in orgs:
        with session_scope() as db, writing(db):
            done[org_id] = service.apply_retention(db=db, org_id=org_id)
    return done
