"""An organization's targets (or benchmarks) per indicator, which trends are tested against."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.analytics import metrics
from voxloop.errors import invalid


def targets_of(db: Session, org_id: int) -> dict[str, float]:
    """Read afresh: the organization a request carries may come from a cache."""
    return dict(db.scalar(select(Organization.targets).where(Organization.id == org_id)) or {})


def set_targets(db: Session, org_id: int, targets: dict[str, Any]) -> dict[str, float]:
    """Replace the organization's targets after checking each one. The caller commits."""
    clean: dict[str, float] = {}
    for metric, value in targets.items():
        if metric not in metrics.METRICS:
            raise invalid(metric, f"not a metric; one of {', '.join(metrics.NAMES)}")
        # in the metric's own units: NPS points, mean scores, shares, working hours
        low, high = metrics.METRICS[metric].range
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise invalid(metric, f"a number from {low:g} to {high:g}")
        clean[metric] = float(value)
    org = db.get_one(Organization, org_id)
    org.targets = clean
    return clean
