from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str | None
    phone: str | None
    locale: str | None
    segment: str | None
    external_id: str | None
    tags: list[str] | None
    value_tier: str | None
    region: str | None
    contact_email: bool
    contact_phone: bool
    created_at: datetime
    erased_at: datetime | None


class CustomerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()\-]{5,40}$")
    locale: str | None = Field(default=None, pattern="^(zh_CN|en)$")
    segment: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=200)
    tags: list[str] | None = Field(default=None, max_length=50)
    value_tier: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=100)
    contact_email: bool | None = None
    contact_phone: bool | None = None


class Merge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_id: int = Field(ge=1, le=2**53)


class FeedbackBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tracking_code: str
    received_at: datetime
    channel: str
    status: str
    type: str | None
    category: str | None
    sentiment: str | None
    description: str


class ResponseBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    survey_id: int
    submitted_at: datetime
    answers: dict[str, Any]


class Profile(BaseModel):
    customer: CustomerRead
    feedback: list[FeedbackBrief]
    responses: list[ResponseBrief]
    # per month: the customer's mean NPS, CSAT and CES answers
    satisfaction: list[dict[str, Any]]
