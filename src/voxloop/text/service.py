"""An organization's category model: the examples it learns from, training, and the cached
model triage and the API use."""

import io
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import joblib
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import Organization
from voxloop.common.time import utcnow
from voxloop.feedback.models import Feedback
from voxloop.text import categories
from voxloop.text.features import faster
from voxloop.text.language import has_han
from voxloop.text.models import CategoryExample, TextModel
from voxloop.text.normalize import normalize
from voxloop.triage.models import Category, TriageLabel, TriageRule

CATEGORIES = "categories"
# The reason triage records when the learned model, not a rule or a person, chose a value.
MODEL_REASON = "model"
MAX_EXAMPLES = 50_000

_cache: dict[int, tuple[datetime, categories.CategoryModel]] = {}


def reset_cache() -> None:
    _cache.clear()


def add_examples(*, db: Session, org_id: int, rows: Sequence[tuple[str, str]], source: str) -> int:
    """Store labelled texts from history; the caller commits (and enqueues a retraining)."""
    known = set(db.scalars(select(Category.code).where(Category.org_id == org_id)))
    unknown = sorted({label for _, label in rows if label not in known})
    if unknown:
        raise categories.LearnError(f"unknown categories: {', '.join(unknown[:10])}")
    db.add_all(CategoryExample(org_id=org_id, text=t, category=c, source=source) for t, c in rows)
    return len(rows)


def training_examples(*, db: Session, org_id: int) -> tuple[list[str], list[str], list[bool]]:
    """Imported examples, plus records whose category a rule or a person set (an agent's
    correction counts; the model's own guesses do not teach it); and whether each label is a
    person's (imported history and corrections) rather than a rule's."""
    texts: list[str] = []
    labels: list[str] = []
    people: list[bool] = []
    for text, label in db.execute(
        select(CategoryExample.text, CategoryExample.category)
        .where(CategoryExample.org_id == org_id)
        .order_by(CategoryExample.id.desc())
        .limit(MAX_EXAMPLES)
    ):
        texts.append(text)
        labels.append(label)
        people.append(True)
    corrected = select(TriageLabel.feedback_id).where(
        TriageLabel.org_id == org_id, TriageLabel.field == "category"
    )
    rows = db.execute(
        select(Feedback.id, Feedback.description, Feedback.category, Feedback.triage_reasons)
        .where(Feedback.org_id == org_id, Feedback.category.is_not(None), Feedback.flag.is_(None))
        .order_by(Feedback.id.desc())
        .limit(MAX_EXAMPLES)
    ).all()
    corrected_ids = set(db.scalars(corrected.where(TriageLabel.feedback_id.in_([r.id for r in rows]))))
    for row in rows:
        by_model = (row.triage_reasons or {}).get("category") == MODEL_REASON
        if row.id in corrected_ids or not by_model:
            texts.append(row.description)
            labels.append(row.category)
            people.append(row.id in corrected_ids)
    return texts, labels, people


def too_small(*, db: Session, org_id: int) -> dict[str, int]:
    """The organization's categories with too few different examples to learn yet, with how
    many each has."""
    texts, labels, _ = training_examples(db=db, org_id=org_id)
    distinct = Counter(label for _, label in {(normalize(t), y) for t, y in zip(texts, labels, strict=True)})
    codes = db.scalars(select(Category.code).where(Category.org_id == org_id, Category.is_active.is_(True)))
    return {c: distinct[c] for c in sorted(codes) if distinct[c] < categories.MIN_PER_CATEGORY}


def store(*, db: Session, org_id: int, model: categories.CategoryModel) -> None:
    """Keep `model` as the organization's category model; the caller commits."""
    buffer = io.BytesIO()
    joblib.dump({"pipeline": model.pipeline, "labels": model.labels, "threshold": model.threshold}, buffer, 3)
    db.execute(delete(TextModel).where(TextModel.org_id == org_id, TextModel.kind == CATEGORIES))
    db.add(
        TextModel(
            org_id=org_id, kind=CATEGORIES, data=buffer.getvalue(), report=model.report, trained_at=utcnow()
        )
    )


def orgs_to_retrain(*, db: Session) -> list[int]:
    """Organizations with category labels (imported or corrected) newer than their model, and
    those without a model whose records have categories."""
    trained = {
        org_id: at
        for org_id, at in db.execute(
            select(TextModel.org_id, TextModel.trained_at).where(TextModel.kind == CATEGORIES)
        )
    }
    newest: dict[int, datetime] = {}
    imported = select(CategoryExample.org_id, func.max(CategoryExample.created_at)).group_by(
        CategoryExample.org_id
    )
    corrected = (
        select(TriageLabel.org_id, func.max(TriageLabel.at))
        .where(TriageLabel.field == "category")
        .group_by(TriageLabel.org_id)
    )
    for query in (imported, corrected):
        for org_id, at in db.execute(query):
            newest[org_id] = max(at, newest.get(org_id, at))
    due = {org_id for org_id, at in newest.items() if org_id not in trained or at > trained[org_id]}
    # an organization without a model yet learns from the categories its rules have set
    for org_id in db.scalars(select(Organization.id).where(Organization.id.not_in(list(trained)))):
        labelled = select(Feedback.id).where(Feedback.org_id == org_id, Feedback.category.is_not(None))
        if db.scalar(labelled.limit(1)) is not None:
            due.add(org_id)
    return sorted(due)


def report(*, db: Session, org_id: int) -> dict[str, Any] | None:
    row = db.execute(
        select(TextModel.report, TextModel.trained_at).where(
            TextModel.org_id == org_id, TextModel.kind == CATEGORIES
        )
    ).first()
    if row is None:
        return None
    examples = db.scalar(
        select(func.count()).select_from(CategoryExample).where(CategoryExample.org_id == org_id)
    )
    return {**row.report, "trained_at": row.trained_at.isoformat(), "imported_examples": examples}


def dictionary(*, db: Session, org_id: int) -> frozenset[str]:
    """The organization's own words for segmentation: Chinese keywords of its triage rules and
    the Chinese names of its categories (hotel, product and place names stay whole)."""
    words: set[str] = set()
    for match in db.scalars(select(TriageRule.match).where(TriageRule.org_id == org_id)):
        words.update(k.strip() for k in (match or {}).get("keywords", []) if isinstance(k, str))
    words.update(db.scalars(select(Category.name).where(Category.org_id == org_id)))
    return frozenset(w for w in words if 1 < len(w) <= 20 and has_han(w) and " " not in w)


def category_model(*, db: Session, org_id: int) -> categories.CategoryModel | None:
    """The organization's model, loaded once per training (None before the first)."""
    trained_at = db.scalar(
        select(TextModel.trained_at).where(TextModel.org_id == org_id, TextModel.kind == CATEGORIES)
    )
    if trained_at is None:
        return None
    cached = _cache.get(org_id)
    if cached and cached[0] == trained_at:
        return cached[1]
    data = db.scalar(select(TextModel.data).where(TextModel.org_id == org_id, TextModel.kind == CATEGORIES))
    saved = joblib.load(io.BytesIO(data or b""))
    stored = db.scalar(
        select(TextModel.report).where(TextModel.org_id == org_id, TextModel.kind == CATEGORIES)
    )
    pipeline = faster(saved["pipeline"])
    model = categories.CategoryModel(pipeline, saved["labels"], saved["threshold"], stored or {})
    _cache[org_id] = (trained_at, model)
    return model
