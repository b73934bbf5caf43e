"""An organization's own categories, learned from labelled examples.

A category model is a logistic regression over two kinds of features of normalized text: TF-IDF
n-grams (characters for Chinese, characters and words for English), which catch an
organization's own terms, and the multilingual sentence encoder's embedding, which catches
meaning from few examples (macro-F1 from 20 examples a category: Chinese product reviews 0.71 ->
0.78, BANKING77 intents 0.96 with or without). The encoder is not part of the saved model: the
`Meaning` step embeds at prediction time with the encoder installed. `learn` also reports
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
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from voxloop.text import encoder
from voxloop.text.features import TfidfVectorizer, faster
from voxloop.text.language import has_han
from voxloop.text.normalize import normalize

FORMAT = "voxloop-categories/2"  # 2: the sentence embedding beside the n-grams
FORMATS = ("voxloop-categories/1", FORMAT)  # a /1 model (n-grams only) still predicts as it did
DEFAULT_THRESHOLD = 0.35
MIN_PER_CATEGORY = 2
MIN_MEASURED = 20  # labels from people needed to score the model on them


TRUSTED = (20, 0.8)  # distinct examples and cross-validated F1 for "yes"
CHECKED = (10, 0.6)  # ... for "check its suggestions"


def trust(examples: int, f1: float) -> str:
    """How far a manager can trust a category: "yes", "check" or "not yet". Cross-validation
    on a handful of examples says little, whatever its score."""
    for verdict, (least, score) in (("yes", TRUSTED), ("check", CHECKED)):
        if examples >= least and f1 >= score:
            return verdict
    return "not yet"


class LearnError(ValueError):
    """The examples cannot teach a model (too few, one category, ...)."""


class Meaning(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """The sentence embedding of each text, times `weight`; nothing to fit, nothing of the
    encoder kept (a pickled model holds only this step's name and weight)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Sequence[str], y: object = None) -> "Meaning":
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        return encoder.embed(list(X)) * self.weight


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
    if not isinstance(data, dict) or data.get("format") not in FORMATS:
        raise LearnError(f"{path} is not a Voxloop category model")
    return CategoryModel(faster(data["pipeline"]), data["labels"], data["threshold"], data["report"])


def _pipeline(texts: Sequence[str], meaning: bool = True) -> Pipeline:
    chinese = sum(map(has_han, texts)) >= len(texts) / 2
    if chinese:
        parts: list[Any] = [TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)]
    else:
        parts = [
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
            TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, 2),
                sublinear_tf=True,
                token_pattern=r"(?u)\b\w+\b",  # noqa: S106  a tokenizer regex, not a password
            ),
        ]
    if meaning:
        # Weight 1 (a unit vector beside unit TF-IDF rows) measured best of 1, 2 and 3.
        parts.append(Meaning())
    features = parts[0] if len(parts) == 1 else make_union(*parts)
    return make_pipeline(features, LogisticRegression(C=10, max_iter=3000))


def learn(
    texts: Sequence[object],
    labels: Sequence[object],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    folds: int = 5,
    meaning: bool = True,
    by_people: Sequence[bool] | None = None,
) -> CategoryModel:
    """Train on the distinct examples; report accuracy and per-category scores from
    cross-validation. A category with fewer than `MIN_PER_CATEGORY` distinct examples is left
    out and named in the report (`too_small`); the rest still learn. `meaning=False` leaves the
    sentence embedding out (n-grams only, as format 1 models)."""
    people = list(by_people) if by_people is not None else [True] * len(texts)
    labelled: dict[tuple[str, str], bool] = {}
    for t, y, person in zip(texts, labels, people, strict=True):
        pair = (normalize(t), str(y).strip())
        if pair[0] and pair[1] and pair[1].lower() != "nan":
            # the same sentence twice teaches nothing new and would be scored against itself
            labelled[pair] = labelled.get(pair, False) or bool(person)
    pairs = list(labelled)
    counts = Counter(y for _, y in pairs)
    too_small = {y: n for y, n in sorted(counts.items()) if n < MIN_PER_CATEGORY}
    counts = Counter({y: n for y, n in counts.items() if y not in too_small})
    if len(counts) < 2:
        raise LearnError(
            "at least two categories with "
            f"{MIN_PER_CATEGORY} different examples each are needed; "
            + ", ".join(f"{y}: {n}" for y, n in sorted({**counts, **too_small}.items()))
        )
    pairs = [(t, y) for t, y in pairs if y in counts]
    X = [t for t, _ in pairs]
    y = np.array([y for _, y in pairs])
    pipeline = _pipeline(X, meaning)
    k = min(folds, min(counts.values()))
    with encoder.remembered():  # each example embedded once, not once per fold
        predicted = cross_val_predict(
            clone(pipeline), X, y, cv=StratifiedKFold(k, shuffle=True, random_state=0)
        )
        pipeline.fit(X, y)
    names = sorted(counts)
    # Scored on the labels people gave where there are enough: a rule's labels are a function
    # of the text, and a model that repeats them well says little about the categories.
    mask = np.array([labelled[pair] for pair in pairs])
    measured_on = "people" if mask.sum() >= MIN_MEASURED else "rules"
    if measured_on == "rules":
        mask = np.ones(len(pairs), dtype=bool)
    y, predicted = y[mask], np.asarray(predicted)[mask]
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=names, zero_division=0
    )
    report = {
        "examples": len(X),
        "measured_on": measured_on,
        "measured": int(mask.sum()),
        "folds": k,
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "macro_f1": round(float(f1_score(y, predicted, average="macro", labels=names, zero_division=0)), 4),
        "categories": {
            name: {
                "examples": int(support[j]),
                "precision": round(float(precision[j]), 4),
                "recall": round(float(recall[j]), 4),
                "f1": round(float(f1[j]), 4),
            }
            for j, name in enumerate(names)
        },
        "too_small": too_small,
        "meaning": meaning,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return CategoryModel(pipeline, names, threshold, report)
