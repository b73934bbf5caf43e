"""REST API for text analysis and the organization's learned categories."""

from typing import Any

from fastapi import APIRouter, status

from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.deps import ApiOrg, DbSession, JsonBody, require
from voxloop.errors import NotFound, invalid
from voxloop.jobs import service as jobs
from voxloop.text import analysis, categories, pii, service
from voxloop.text.duplicates import near_duplicates
from voxloop.text.normalize import MAX_CHARS
from voxloop.text.schemas import (
    AnalysisRead,
    AnalyzeRequest,
    AnalyzeResponse,
    DuplicatesRequest,
    DuplicatesResponse,
    ExamplesAdded,
    ExamplesCreate,
)
from voxloop.text.tasks import LEARN

router = APIRouter(prefix="/api/v1/text", tags=["text"])


@router.post("/analyze", response_model=AnalyzeResponse, dependencies=[JsonBody, require("feedback.read")])
def analyze(body: AnalyzeRequest, org: ApiOrg) -> AnalyzeResponse:
    """Language, sentiment, emotion, feedback type, keywords, aspects and personal data for up
    to 1,000 texts; the category too once the organization has a learned model."""
    # Analysis reads each text's first MAX_CHARS; redaction reads all of it.
    read = sum(len(t) if body.redact else min(len(t), MAX_CHARS) for t in body.texts)
    limit = get_settings().text_analyze_max_chars
    if read > limit:
        raise invalid("texts", f"{read:,} characters to read; at most {limit:,} in one request")
    with session_scope(readonly=True) as db:  # no write lock held while the models run
        model = service.category_model(db=db, org_id=org.id)
        words = service.dictionary(db=db, org_id=org.id)
    results = analysis.analyze(body.texts, with_aspects=body.aspects, categories=model, dictionary=words)
    out = [AnalysisRead.model_validate(r, from_attributes=True) for r in results]
    if body.redact:
        for item, text in zip(out, body.texts, strict=True):
            item.redacted = pii.redact(text)
    return AnalyzeResponse(results=out)


@router.post(
    "/duplicates", response_model=DuplicatesResponse, dependencies=[JsonBody, require("feedback.read")]
)
def duplicates(body: DuplicatesRequest) -> DuplicatesResponse:
    """Groups of texts that say nearly the same thing (MinHash over character shingles)."""
    return DuplicatesResponse(groups=near_duplicates(body.texts, body.threshold))


@router.get("/categories/model", dependencies=[require("triage.manage")])
def category_model(org: ApiOrg, db: DbSession) -> dict[str, Any]:
    """The learned category model's cross-validated accuracy, overall and per category."""
    report = service.report(db=db, org_id=org.id)
    if report is None:
        raise NotFound()
    return report


@router.post(
    "/categories/examples",
    response_model=ExamplesAdded,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[JsonBody, require("triage.manage")],
)
def add_examples(body: ExamplesCreate, org: ApiOrg, db: DbSession) -> ExamplesAdded:
    """Labelled texts from history; the category model is retrained in the background."""
    rows = [(e.text, e.category) for e in body.examples]
    try:
        added = service.add_examples(db=db, org_id=org.id, rows=rows, source=body.source)
    except categories.LearnError as exc:
        raise invalid("examples", str(exc)) from exc
    jobs.enqueue(db=db, org_id=org.id, task=LEARN, payload={"org_id": org.id})
    db.commit()
    return ExamplesAdded(added=added, retraining=True)


@router.post(
    "/categories/retrain",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[require("triage.manage")],
)
def retrain(org: ApiOrg, db: DbSession) -> dict[str, bool]:
    jobs.enqueue(db=db, org_id=org.id, task=LEARN, payload={"org_id": org.id})
    db.commit()
    return {"retraining": True}
