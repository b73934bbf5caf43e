from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    mapping: dict[str, str]
    defaults: dict[str, str] = {}


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    mapping: dict[str, str]
    defaults: dict[str, Any]


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    source: str | None
    dry_run: bool
    rows: int
    created: int
    duplicates: int
    failed: int
    problems: list[dict[str, Any]]
    by: str
    status: str
    position: int
    created_at: datetime


class ImportResult(BaseModel):
    run: RunRead
    # the first rows as they would be recorded (dry runs show what an import would do)
    preview: list[dict[str, Any]]
