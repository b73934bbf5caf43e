"""From a file's columns to feedback fields: checking a mapping and turning rows into items of
the same shape the intake API takes (pure functions)."""

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

FIELDS = (
    "description", "received_at", "channel", "touchpoint", "product", "branch", "customer_request",
    "language", "external_ref", "customer.name", "customer.email", "customer.phone",
)  # fmt: skip
REQUIRED = ("description",)


def problems(
    mapping: Mapping[str, Any], defaults: Mapping[str, Any], columns: list[str]
) -> list[dict[str, str]]:
    """What is wrong with a mapping for a file with these columns (empty when it is fine)."""
    out = []
    for field in (*mapping, *defaults):
        if field not in FIELDS:
            out.append(
                {
                    "field": f"mapping.{field}",
                    "reason": f"is not a feedback field; fields are {', '.join(FIELDS)}",
                }
            )
    for field, column in mapping.items():
        if column not in columns:
            out.append(
                {
                    "field": f"mapping.{field}",
                    "reason": f"the file has no column {column!r}; it has {', '.join(columns)}",
                }
            )
    for field in REQUIRED:
        if field not in mapping:
            out.append({"field": f"mapping.{field}", "reason": "is required: name the column that holds it"})
    return out


def _time(value: str, zone: ZoneInfo) -> str | None:
    """An ISO timestamp; a time without a zone is read in the organization's time zone."""
    if not value.strip():
        return None
    try:
        parsed = pd.Timestamp(value)
    except (ValueError, TypeError):
        return value  # the schema names the field and the reason
    moment: datetime = parsed.to_pydatetime()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def items(
    frame: pd.DataFrame, mapping: Mapping[str, str], defaults: Mapping[str, Any], timezone: str
) -> Iterator[dict[str, Any]]:
    """One intake item per row (empty cells left out), defaults first, file values over them."""
    zone = ZoneInfo(timezone)
    columns = {field: frame[column].tolist() for field, column in mapping.items()}
    for n in range(len(frame)):
        values: dict[str, Any] = dict(defaults)
        for field, cells in columns.items():
            cell = cells[n]
            if cell is None or (isinstance(cell, float) and pd.isna(cell)):
                continue
            text = str(cell).strip()
            if text:
                values[field] = _time(text, zone) if field == "received_at" else text
        item: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith("customer.")}
        customer = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("customer.")}
        if customer:
            item["customer"] = customer
        yield item
