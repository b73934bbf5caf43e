from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ThemeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    label: str
    terms: list[str]
    size: int
    customers: int
    branches: int
    baseline: float | None
    p_rise: float | None
    scope: str
    reasons: list[str]
    trend: list[int]
    example_ids: list[int]


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    period_start: datetime
    period_end: datetime
    periods: int
    records: int
    created_at: datetime


class ThemesPage(BaseModel):
    run: RunRead | None
    themes: list[ThemeRead]


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tracking_code: str
    received_at: datetime
    channel: str
    branch: str | None
    customer_id: int | None
    description: str


class ThemeDetail(ThemeRead):
    members: list[MemberRead]


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    theme_id: int | None
    title: str
    detail: dict[str, object]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class DiscoverRequest(BaseModel):
    days: int = Field(default=7, ge=1, le=92)
