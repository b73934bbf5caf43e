"""Shared parameter types."""

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**63 - 1  # the largest BIGINT: a larger number cannot name a row
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
