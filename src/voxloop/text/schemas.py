from pydantic import BaseModel, Field


class AnalyzeRequest(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=1000)
    aspects: bool = True
    # also return each text with phone numbers, emails, ID and card numbers replaced by tags
    redact: bool = False


class AspectRead(BaseModel):
    aspect: str
    sentiment: str
    text: str


class AnalysisRead(BaseModel):
    language: str
    sentiment: str
    sentiment_score: float
    emotion: str
    feedback_type: str
    category: str | None
    category_confidence: float | None
    keywords: list[str]
    aspects: list[AspectRead]
    pii: list[str]
    # True when the text was longer than the part analysis reads
    truncated: bool
    redacted: str | None = None


class AnalyzeResponse(BaseModel):
    results: list[AnalysisRead]


class DuplicatesRequest(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=10_000)
    threshold: float = Field(default=0.8, ge=0.3, le=1.0)


class DuplicatesResponse(BaseModel):
    # groups of indexes into `texts` whose wording is nearly the same
    groups: list[list[int]]


class ExampleIn(BaseModel):
    text: str = Field(min_length=1, max_length=12_000)
    category: str = Field(min_length=1, max_length=40)


class ExamplesCreate(BaseModel):
    examples: list[ExampleIn] = Field(min_length=1, max_length=10_000)
    source: str = Field(default="api", max_length=200)


class ExamplesAdded(BaseModel):
    added: int
    # the model is retrained in the background; GET .../categories/model shows the result
    retraining: bool
