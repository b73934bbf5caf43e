"""An organization's targets (or benchmarks) per indicator, which trends are tested against."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.errors import invalid

# The range a target may take, in the metric's own units: NPS points, mean scores, shares.
RANGES = {
    "nps": (-100.0, 100.0),
    "csat": (1.0, 5.0),
    "ces": (1.0, 7.0),
    "complaint_rate": (0.0, 1.0),
    "negative_share": (0.0, 1.0),
    "compliance": (0.0, 1.0),
    "follow_up_rate": (0.0, 1.0),
    "contact_time": (0.0, 1000.0),  # working hours
    "closed_loop_rate": (0.0, 1.0),
    "recovery_rate": (0.0, 1.0),
}


def targets_of(db: Session, org_id: int) -> dict[str, float]:
    """Read afresh: the organization a request carries may come from a cache."""
    return dict(db.scalar(select(Organization.targets).where(Organization.id == org_id)) or {})


def set_targets(db: Session, org_id: int, targets: dict[str, Any]) -> dict[str, float]:
    """Replace the organization's targets after checking each one. The caller commits."""
    clean: dict[str, float] = {}
    for metric, value in targets.items():
        if metric not in RANGES:
            raise invalid(metric, f"not a metric; one of {', '.join(RANGES)}")
        low, high = RANGES[metric]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise invalid(metric, f"a number from {low:g} to {high:g}")
        clean[metric] = float(value)
    org = db.get(Organization, org_id)
    assert org is not None
    org.targets = clean
    return clean
