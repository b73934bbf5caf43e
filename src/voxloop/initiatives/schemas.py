from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class InitiativeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    origin_kind: str = Field(max_length=16)
    origin_ref: str | None = Field(default=None, max_length=200)
    metric: str | None = Field(default=None, max_length=24)
    filters: dict[str, str] = {}
    terms: list[str] = Field(default=[], max_length=10)
    direction: str | None = Field(default=None, pattern="^(decrease|increase)$")
    # the goal: a value, or a cut of the baseline (0.5: down by half; up by half for a metric
    # that should rise)
    target_value: float | None = None
    cut: float | None = Field(default=None, gt=0, lt=1)
    deadline: date
    owner_id: int | None = Field(default=None, ge=1, le=2**53)
    started_at: AwareDatetime | None = None
    baseline_days: int = Field(default=56, ge=7, le=365)


class InitiativeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    origin_kind: str
    origin_ref: str | None
    metric: str
    filters: dict[str, Any]
    terms: list[str]
    direction: str
    baseline_days: int
    baseline_value: float | None
    baseline_n: int
    target_value: float
    started_at: datetime
    deadline: date
    owner_id: int | None
    status: str
    verdict: str | None
    closed_at: datetime | None


class ActionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    process_step: str = Field(max_length=40)
    owner_id: int | None = Field(default=None, ge=1, le=2**53)
    due: date | None = None


class ActionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(pattern="^(todo|doing|done)$")


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    process_step: str
    owner_id: int | None
    due: date | None
    status: str
    done_at: datetime | None


class Links(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feedback_ids: list[int] = Field(min_length=1, max_length=10_000)
