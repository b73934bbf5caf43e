"""Request and response shapes for feedback."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from voxloop.common.i18n import N_
from voxloop.common.text_checks import clean_text
from voxloop.common.time import as_utc, utcnow

# Lengths are checked on the stripped text; then control characters are refused.
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(clean_text)]
FileName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), AfterValidator(clean_text)
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), AfterValidator(clean_text)
]
Request = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2_000), AfterValidator(clean_text)
]
MAX_BATCH = 1000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


class CustomerIn(Strict):
    name: Line = ""
    email: EmailStr | None = None
    phone: Annotated[str, Field(max_length=40, pattern=r"^\+?[0-9 ()\-]{5,40}$")] | None = None
    locale: Literal["zh_CN", "en"] | None = None


class AttachmentIn(Strict):
    filename: FileName
    content_type: Annotated[str, Field(max_length=100)]
    content_base64: Annotated[str, Field(max_length=8 * 1024 * 1024)]


class FeedbackFields(Strict):
    """What every intake path records about one piece of feedback."""

    customer: CustomerIn | None = None
    touchpoint: Line | None = None
    product: Line | None = None
    branch: Line | None = None
    description: Description
    customer_request: Request | None = None
    language: Literal["zh", "en"] | None = None


class FeedbackCreate(FeedbackFields):
    channel: Annotated[str, Field(max_length=40)] = "api"
    received_at: datetime | None = None
    external_ref: Line | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=5)] = []

    @field_validator("received_at")
    @classmethod
    def _plausible_time(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return None
        v = as_utc(v)
        if v > utcnow() + timedelta(minutes=5):
            raise ValueError(N_("is in the future"))
        if v.year < 2000:
            raise ValueError(N_("is before the year 2000"))
        return v


class PublicFeedbackCreate(FeedbackFields):
    org: Annotated[str, Field(max_length=64)]
    # A field people never see; bots fill it in.
    website: Annotated[str, Field(max_length=200)] = ""


class BatchCreate(Strict):
    items: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH)]


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str | None
    phone: str | None


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int


class Ref(BaseModel):
    id: int
    name: str


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tracking_code: str
    tracking_url: str = ""
    status: str
    channel: str
    received_at: datetime
    created_at: datetime
    customer: CustomerRead | None = None
    touchpoint: str | None
    product: str | None
    branch: str | None
    description: str
    customer_request: str | None
    language: str
    external_ref: str | None
    survey_response_id: int | None = None  # the survey answer that opened this follow-up case
    attachments: list[AttachmentRead] = []
    type: str | None = None
    category: str | None = None
    sentiment: str | None = None
    severity: int | None = None
    urgency: int | None = None
    priority: int | None = None
    scope: str | None = None
    flag: str | None = None
    flag_reason: str | None = None
    alarm: str | None = None  # the kind of immediate need, when the message needs someone now
    review: str | None = None  # the fields triage was unsure of, for a person to confirm
    review_confidence: float | None = None  # the models' confidence in the least sure of them
    department: Ref | None = None
    assignee: Ref | None = None
    commitment: str | None = None
    due_at: datetime | None = None  # the next deadline, UTC
    breached: bool = False
    steps: dict[str, str] = {}  # commitment step -> pending | warned | met | breached | late | void


class FeedbackPage(BaseModel):
    items: list[FeedbackRead]
    next_cursor: str | None


class BatchItemResult(BaseModel):
    index: int
    ok: bool
    id: int | None = None
    tracking_code: str | None = None
    error: dict[str, Any] | None = None


class BatchResult(BaseModel):
    created: int
    failed: int
    results: list[BatchItemResult]


class PublicCreated(BaseModel):
    tracking_code: str
    tracking_url: str
    status: str
    received_at: datetime


class StatusRead(BaseModel):
    """What the tracking page shows: the state, never the customer's details."""

    tracking_code: str
    status: str
    channel: str
    received_at: datetime
    timeline: list[dict[str, Any]]


class InboxQuery(BaseModel):
    """The inbox's filters as its query string carries them: read by the inbox itself and by a
    saved view, whose stored query is checked with the same model."""

    channel: str | None = Field(None, max_length=40)
    status: str | None = Field(None, max_length=24)
    type: str | None = Field(None, max_length=16)
    date_from: str | None = Field(None, max_length=10)
    date_to: str | None = Field(None, max_length=10)
    q: str | None = Field(None, max_length=200)
    category: str | None = Field(None, max_length=40)
    branch: str | None = Field(None, max_length=200)
    touchpoint: str | None = Field(None, max_length=200)
    sentiment: str | None = Field(None, max_length=16)
    language: str | None = Field(None, max_length=8)
    product: str | None = Field(None, max_length=200)
    department_id: int | None = Field(None, ge=1, le=2**53)
    segment: str | None = Field(None, max_length=40)
    city: str | None = Field(None, max_length=100)
    rated: str | None = Field(None, max_length=8)
    rated_from: str | None = Field(None, max_length=10)
    rated_to: str | None = Field(None, max_length=10)
    review: bool = False
    owner: str | None = Field(None, max_length=20)
    sla: str | None = Field(None, max_length=16)

    def params(self) -> dict[str, str]:
        """Every filter as the inbox's links and hidden fields carry it ("" where unset)."""
        out = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == "review":
                out[name] = "1" if value else ""
            else:
                out[name] = "" if value is None else str(value)
        return out
