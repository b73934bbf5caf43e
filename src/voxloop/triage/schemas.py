"""Request and response shapes for triage."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from voxloop.common.text_checks import clean_text


class Correction(BaseModel):
    """PATCH /feedback/{id}: fields an agent corrects; each change becomes a training label."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["praise", "complaint", "suggestion", "inquiry", "other"] | None = None
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    sentiment: Literal["positive", "neutral", "negative"] | None = None
    severity: Literal[1, 2, 3] | None = None
    urgency: Literal[1, 2, 3] | None = None
    scope: Literal["individual", "several", "widespread"] | None = None


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    match: dict[str, Any]
    sets: dict[str, Any]
    position: int | None = None


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name: str
    match: dict[str, Any]
    sets: dict[str, Any]
    is_active: bool


class RuleTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000), AfterValidator(clean_text)]
    channel: Annotated[str, StringConstraints(max_length=40)] = ""
    touchpoint: Annotated[str, StringConstraints(max_length=200)] = ""


class RuleTestResult(BaseModel):
    values: dict[str, Any]
    because: dict[str, str]
    priority: int
    models: dict[str, Any]  # what the text models and the safety check alone said


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str
    is_active: bool


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(max_length=40)]
    name: Annotated[str, StringConstraints(max_length=200)]
    name_en: Annotated[str, StringConstraints(max_length=200)] = ""


class CategoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    name_en: Annotated[str, StringConstraints(max_length=200)] | None = None
    is_active: bool | None = None
