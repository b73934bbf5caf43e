"""Shared parameter types."""

import re
from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**63 - 1  # the largest BIGINT: a larger number cannot name a row
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def whole_number(raw: str) -> int | str:
    """A form's text as a whole number when it is one (ASCII digits, a minus sign), else as sent,
    for the check that follows to name; str.isdigit() takes '²', which int() refuses."""
    text = raw.strip()
    return int(text) if _WHOLE.fullmatch(text) else text
