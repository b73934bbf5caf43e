"""Time helpers: everything is stored as timezone-aware UTC."""

from datetime import UTC, datetime

from voxloop.db import utcnow

__all__ = ["as_utc", "utcnow"]


def as_utc(value: datetime) -> datetime:
    """Naive datetimes from SQLite or clients are UTC by contract."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
