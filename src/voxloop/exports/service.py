"""What can be exported, as data frames: feedback, cases, survey responses and indicators."""

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.analytics import indicators
from voxloop.customers.models import Customer
from voxloop.db import UTCDateTime
from voxloop.errors import invalid
from voxloop.feedback.models import Feedback
from voxloop.surveys.models import Response

KINDS = ("feedback", "cases", "responses", "customers", "analytics")
MAX_ROWS = 2_000_000

_FEEDBACK = (
    "id", "tracking_code", "received_at", "channel", "touchpoint", "product", "branch", "language", "status",
    "type", "category", "sentiment", "severity", "urgency", "priority", "scope", "flag", "customer_id",
    "description", "customer_request", "external_ref",
)  # fmt: skip
_CUSTOMERS = (
    "id", "external_id", "name", "email", "phone", "locale", "segment", "tags", "value_tier", "region",
    "contact_email", "contact_phone", "created_at",
)  # fmt: skip
_CASES = (
    "id", "tracking_code", "received_at", "channel", "branch", "status", "type", "category", "priority",
    "department_id", "assignee_id", "assigned_at", "routed_at", "first_response_at", "resolved_at",
)  # fmt: skip


def frame(
    *,
    db: Session,
    org_id: int,
    kind: str,
    start: datetime,
    end: datetime,
    options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Rows of `kind` received (or submitted) in [start, end), oldest first; customers are all
    of them; analytics are the rows of an indicator (`options`: metric, period, group_by)."""
    if kind == "customers":
        c = Customer.__table__.c
        rows = db.execute(
            select(*(c[x] for x in _CUSTOMERS))
            .where(c.org_id == org_id, c.erased_at.is_(None))
            .order_by(c.id)
        ).all()
        out = pd.DataFrame(rows, columns=list(_CUSTOMERS))
        out["tags"] = out["tags"].map(lambda t: ";".join(t) if t else "")
        return out
    if kind == "analytics":
        options = options or {}
        try:
            result = indicators.indicators(
                org_id=org_id,
                metric=options.get("metric") or "nps",
                period=options.get("period") or "month",
                group_by=options.get("group_by"),
                start=start,
                end=end,
                tz=db.scalars(select(Organization.timezone).where(Organization.id == org_id)).one(),
            )
        except ValueError as exc:
            field, _, reason = str(exc).partition(": ")
            raise invalid(field, reason) from exc
        return pd.DataFrame(
            result, columns=["period", "group", "value", "n", "ci_low", "ci_high", "p_change"]
        )
    if kind in ("feedback", "cases"):
        t = Feedback.__table__.c
        columns = _FEEDBACK if kind == "feedback" else _CASES
        stmt = select(*(t[c] for c in columns)).where(
            t.org_id == org_id, t.received_at >= start, t.received_at < end
        )
        if kind == "cases":
            stmt = stmt.where(t.status != "new", t.flag.is_(None))
        return _raw_frame(db, stmt.order_by(t.received_at, t.id).limit(MAX_ROWS))
    if kind == "responses":
        return _responses(db, org_id, start, end)
    raise ValueError(f"kind: one of {', '.join(KINDS)}")


def _raw_frame(db: Session, stmt: Any) -> pd.DataFrame:
    """The rows of a select of plain columns as a data frame, read from the driver's cursor
    without building a row object per row (a million rows in seconds, not tens of seconds);
    times come back as the driver gives them (text on SQLite) and are converted a column at a
    time, to timezone-aware UTC."""
    result = db.execute(stmt)
    columns = list(result.keys())
    frame = pd.DataFrame(result.cursor.fetchall(), columns=columns)  # type: ignore[attr-defined]
    result.close()
    for column in stmt.selected_columns:
        if isinstance(column.type, UTCDateTime):
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True, format="ISO8601")
    return frame


def _responses(db: Session, org_id: int, start: datetime, end: datetime) -> pd.DataFrame:
    """One row per complete response; each answer (matrix rows, SERVQUAL pairs) a column."""
    rows: list[dict[str, Any]] = []
    for r in db.scalars(
        select(Response)
        .where(
            Response.org_id == org_id,
            Response.completed.is_(True),
            Response.submitted_at >= start,
            Response.submitted_at < end,
        )
        .order_by(Response.submitted_at, Response.id)
        .limit(MAX_ROWS)
    ):
        row: dict[str, Any] = {
            "id": r.id, "survey_id": r.survey_id, "version": r.version, "submitted_at": r.submitted_at,
            "language": r.language, "mode": r.mode, "flagged": bool(r.quality_flags),
        }  # fmt: skip
        row.update({f"hidden.{k}": v for k, v in r.hidden.items()})
        for key, value in r.answers.items():
            if isinstance(value, dict):
                for sub, inner in value.items():
                    if isinstance(inner, dict):
                        row.update({f"{key}.{sub}.{k}": v for k, v in inner.items()})
                    else:
                        row[f"{key}.{sub}"] = inner
            elif isinstance(value, list):
                row[key] = ";".join(map(str, value))
            else:
                row[key] = value
        rows.append(row)
    return pd.DataFrame(rows)
