"""Request and response shapes for case work."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

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
