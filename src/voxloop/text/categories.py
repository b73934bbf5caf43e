"""An organization's own categories, learned from labelled examples.

A category model is a TF-IDF + logistic-regression pipeline over normalized text: character
n-grams for Chinese, character and word n-grams for English. `learn` also reports
cross-validated accuracy and per-category precision/recall/F1, so a manager can see which
categories to trust. A prediction below the model's confidence threshold is not `sure`: triage
leaves such items to a person.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from voxloop.text.features import TfidfVectorizer, faster
from voxloop.text.language import has_han
from voxloop.text.normalize import normalize

FORMAT = "voxloop-categories/1"
DEFAULT_THRESHOLD = 0.35
MIN_PER_CATEGORY = 2


class LearnError(ValueError):
    """The examples cannot teach a model (too few, one category, ...)."""


@dataclass
class CategoryModel:
    pipeline: Pipeline
    labels: list[str]
    threshold: float = DEFAULT_THRESHOLD
    report: dict[str, Any] = field(default_factory=dict)

    def predict(self, texts: Sequence[object]) -> list[tuple[str, float]]:
        """(most likely category, its probability) per text."""
        if not texts:
            return []
        probabilities = self.pipeline.predict_proba([normalize(t) for t in texts])
        classes = self.pipeline.classes_
        best = probabilities.argmax(axis=1)
        return [
            (str(classes[j]), round(float(row[j]), 4)) for j, row in zip(best, probabilities, strict=True)
        ]

    def sure(self, confidence: float) -> bool:
        return confidence >= self.threshold

    def save(self, path: str | Path) -> None:
        joblib.dump(
            {
                "format": FORMAT,
                "pipeline": self.pipeline,
                "labels": self.labels,
                "threshold": self.threshold,
                "report": self.report,
            },
            path,
            compress=3,
        )


def load(path: str | Path) -> CategoryModel:
    """A model written by `CategoryModel.save` (only open files you or Voxloop wrote)."""
    data = joblib.load(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LearnError(f"{path} is not a Voxloop category model")
    return CategoryModel(faster(data["pipeline"]), data["labels"], data["threshold"], data["report"])


def _pipeline(texts: Sequence[str]) -> Pipeline:
    chinese = sum(map(has_han, texts)) >= len(texts) / 2
    if chinese:
        features: Any = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
    else:
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
            TfidfVectorizer(
                analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
            ),
        )
    return make_pipeline(features, LogisticRegression(C=10, max_iter=3000))


def learn(
    texts: Sequence[object], labels: Sequence[object], *, threshold: float = DEFAULT_THRESHOLD, folds: int = 5
) -> CategoryModel:
    """Train on all examples; report accuracy and per-category scores from cross-validation."""
    pairs = [(normalize(t), str(y).strip()) for t, y in zip(texts, labels, strict=True)]
    pairs = [(t, y) for t, y in pairs if t and y and y.lower() != "nan"]
    counts = Counter(y for _, y in pairs)
    if len(counts) < 2:
        raise LearnError("at least two categories with examples are needed")
    small = sorted(y for y, n in counts.items() if n < MIN_PER_CATEGORY)
    if small:
        raise LearnError(f"categories with fewer than {MIN_PER_CATEGORY} examples: {', '.join(small)}")
    X = [t for t, _ in pairs]
    y = np.array([y for _, y in pairs])
    pipeline = _pipeline(X)
    k = min(folds, min(counts.values()))
    predicted = cross_val_predict(clone(pipeline), X, y, cv=StratifiedKFold(k, shuffle=True, random_state=0))
    names = sorted(counts)
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=names, zero_division=0
    )
    report = {
        "examples": len(X),
        "folds": k,
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        "categories": {
            name: {
                "examples": int(support[j]),
                "precision": round(float(precision[j]), 4),
                "recall": round(float(recall[j]), 4),
                "f1": round(float(f1[j]), 4),
            }
            for j, name in enumerate(names)
        },
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    pipeline.fit(X, y)
    return CategoryModel(pipeline, names, threshold, report)
