"""Opaque cursors for keyset pagination over (received_at, id)-style keys."""

import base64
import json
from typing import Any

from voxloop.errors import invalid


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError as exc:
        raise invalid("cursor", "is not a cursor this API returned") from exc
    if not isinstance(values, list):
        raise invalid("cursor", "is not a cursor this API returned")
    return values
