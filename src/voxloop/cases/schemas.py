"""Request and response shapes for case work."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from voxloop.common.text_checks import clean_text

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000), AfterValidator(clean_text)]


class TransitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Annotated[str, StringConstraints(max_length=24)]
    note: Note | None = None


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000),
    AfterValidator(clean_text),
]


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


MAX_POINTS = 100_000  # loyalty points one adopted suggestion may earn


class AdoptionCreate(BaseModel):
    """A suggestion adopted: the loyalty points its customer is rewarded with, and what was
    decided (shown to the customer)."""

    model_config = ConfigDict(extra="forbid")

    points: Annotated[int, Field(ge=0, le=MAX_POINTS)] = 0
    note: Note = ""


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    actor: str
    public: bool
    data: dict[str, Any]


REPLY_NAME_MAX = 80
REPLY_TEXT_MAX = 5_000
ReplyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=REPLY_NAME_MAX),
    AfterValidator(clean_text),
]


class ReplyTemplateCreate(BaseModel):
    """At least one of the texts is required (checked by the service, which the forms share)."""

    model_config = ConfigDict(extra="forbid")

    name: ReplyName
    text_zh: Note = ""
    text_en: Note = ""


class ReplyTemplateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ReplyName | None = None
    text_zh: Note | None = None
    text_en: Note | None = None


class ReplyTemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    text_zh: str
    text_en: str
    created_at: datetime
    updated_at: datetime
