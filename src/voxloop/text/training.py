"""Training the default text models on the public corpora, measuring them across domains, and
writing the model card. Run by `voxloop text train` (`make models`).

The shipped bundle holds, per language, one TF-IDF vectorizer and the linear models over it:
Chinese sentiment and emotion; English sentiment (with VADER's lexicon scores as extra
features) and suggestion detection.
"""

import platform
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from voxloop.text import categories, corpora
from voxloop.text.features import en_features, en_vectorizer, zh_vectorizer
from voxloop.text.normalize import normalize

CARD_PATH = Path(__file__).with_name("trained") / "MODEL_CARD.md"
# BANKING77 questions stand in for neutral English: customers asking, not judging.
_NEUTRAL_QUERIES = 3_000
_QUESTION = re.compile(
    r"\?\s*$|^(?:how|what|when|where|why|which|who|can|could|is|are|do|does|did|will|may|should|would)\b",
    re.I,
)
_SEED = 0

Log = Callable[[str], None]


def _classifier(C: float = 4.0) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced")


def zh_sentiment_frame(reviews: pd.DataFrame, weibo: pd.DataFrame) -> pd.DataFrame:
    """Reviews (positive/negative) plus Weibo posts whose emotion implies a sentiment."""
    posts = weibo.assign(label=weibo["label"].map(corpora.emotion_sentiment)).dropna(subset=["label"])
    return pd.concat([reviews, posts], ignore_index=True)


def en_sentiment_frame(sentences: pd.DataFrame, queries: pd.DataFrame) -> pd.DataFrame:
    """Sentences and reviews, plus customers' questions as the neutral class (statements of a
    problem are left out: they are not neutral)."""
    asking = queries[queries["text"].str.strip().map(lambda t: _QUESTION.search(t) is not None)]
    neutral = asking.sample(min(_NEUTRAL_QUERIES, len(asking)), random_state=_SEED).assign(label="neutral")
    return pd.concat([sentences, neutral], ignore_index=True)


def fit_zh(sentiment: pd.DataFrame, emotion: pd.DataFrame | None) -> dict[str, Any]:
    texts = pd.concat([sentiment["text"], emotion["text"] if emotion is not None else None]).map(normalize)
    vectorizer = zh_vectorizer().fit(texts.drop_duplicates())
    part: dict[str, Any] = {"vectorizer": vectorizer}
    part["sentiment"] = _classifier().fit(
        vectorizer.transform(sentiment["text"].map(normalize)), sentiment["label"]
    )
    if emotion is not None:
        part["emotion"] = _classifier().fit(
            vectorizer.transform(emotion["text"].map(normalize)), emotion["label"]
        )
    return part


def fit_en(sentiment: pd.DataFrame, suggestions: pd.DataFrame | None) -> dict[str, Any]:
    texts = pd.concat([sentiment["text"], suggestions["text"] if suggestions is not None else None]).map(
        normalize
    )
    vectorizer = en_vectorizer().fit(texts.drop_duplicates())
    part: dict[str, Any] = {"vectorizer": vectorizer}
    labelled = list(sentiment["text"].map(normalize))
    part["sentiment"] = _classifier().fit(
        en_features(vectorizer.transform(labelled), labelled), sentiment["label"]
    )
    if suggestions is not None:
        X = vectorizer.transform(suggestions["text"].map(normalize))
        part["suggestion"] = _classifier(1.0).fit(X, suggestions["label"])
    return part


def _zh_predict(part: dict[str, Any], head: str, texts: pd.Series) -> np.ndarray:
    return np.asarray(part[head].predict(part["vectorizer"].transform(texts.map(normalize))))


def _en_predict(part: dict[str, Any], texts: pd.Series) -> np.ndarray:
    normalized = list(texts.map(normalize))
    return np.asarray(
        part["sentiment"].predict(en_features(part["vectorizer"].transform(normalized), normalized))
    )


def evaluate(log: Log = print) -> dict[str, Any]:
    """Cross-domain figures for the model card: each domain held out of training in turn."""
    results: dict[str, Any] = {}
    reviews, weibo = corpora.zh_reviews(), corpora.zh_weibo("train")
    rows = []
    for domain in sorted(reviews["domain"].unique()):
        held = reviews[reviews["domain"] == domain]
        part = fit_zh(zh_sentiment_frame(reviews[reviews["domain"] != domain], weibo), None)
        accuracy = accuracy_score(held["label"], _zh_predict(part, "sentiment", held["text"]))
        rows.append({"held out": domain, "n": len(held), "accuracy": round(float(accuracy), 3)})
        log(f"zh sentiment, {domain} held out: accuracy {accuracy:.3f} (n={len(held)})")
    results["zh_sentiment"] = rows

    sentences, queries = corpora.en_sentences(), corpora.en_banking("train")
    rows = []
    for domain in sorted(sentences["domain"].unique()):
        held = sentences[sentences["domain"] == domain]
        part = fit_en(en_sentiment_frame(sentences[sentences["domain"] != domain], queries), None)
        accuracy = accuracy_score(held["label"], _en_predict(part, held["text"]))
        rows.append({"held out": domain, "n": len(held), "accuracy": round(float(accuracy), 3)})
        log(f"en sentiment, {domain} held out: accuracy {accuracy:.3f} (n={len(held)})")
    results["en_sentiment"] = rows

    train = pd.concat([weibo, corpora.zh_weibo("eval")], ignore_index=True)
    test = corpora.zh_weibo("test")
    part = fit_zh(zh_sentiment_frame(reviews, weibo), train)
    predicted = _zh_predict(part, "emotion", test["text"])
    results["zh_emotion"] = {
        "n": len(test),
        "accuracy": round(float(accuracy_score(test["label"], predicted)), 3),
        "macro_f1": round(float(f1_score(test["label"], predicted, average="macro")), 3),
    }
    log(f"zh emotion, SMP2020 virus test: {results['zh_emotion']}")

    suggestions, trial = corpora.en_suggestions("train"), corpora.en_suggestions("trial")
    part = fit_en(en_sentiment_frame(sentences, queries), suggestions)
    predicted = part["suggestion"].predict(part["vectorizer"].transform(trial["text"].map(normalize)))
    results["en_suggestion"] = {"n": len(trial), "f1": round(float(f1_score(trial["label"], predicted)), 3)}
    log(f"en suggestion, SemEval-2019 9A trial: {results['en_suggestion']}")

    results["categories"] = few_shot(log)
    return results


def few_shot(log: Log = print, per_label: int = 20, repeats: int = 3) -> list[dict[str, Any]]:
    """Categories learned from `per_label` examples each, scored on unseen records."""
    banking_train, banking_test = corpora.en_banking("train"), corpora.en_banking("test")
    products = corpora.zh_products()
    rng = np.random.RandomState(_SEED)
    rows = []
    for name, frame, test_frame, n_labels in (
        ("BANKING77, 9 random intents", banking_train, banking_test, 9),
        ("e-commerce products (zh), 7 categories", products, None, 7),
    ):
        scores = []
        for repeat in range(repeats):
            labels = rng.choice(sorted(frame["label"].unique()), n_labels, replace=False)
            pool = frame[frame["label"].isin(labels)]
            train = pool.groupby("label").sample(per_label, random_state=repeat)
            if test_frame is None:
                test = pool.drop(train.index).groupby("label").sample(300, random_state=repeat)
            else:
                test = test_frame[test_frame["label"].isin(labels)]
            model = categories.learn(list(train["text"]), list(train["label"]))
            predicted = [label for label, _ in model.predict(list(test["text"]))]
            scores.append(f1_score(test["label"], predicted, average="macro"))
        row = {"task": name, "examples per label": per_label, "macro_f1": round(float(np.mean(scores)), 3)}
        row["range"] = f"{min(scores):.3f}-{max(scores):.3f}"
        rows.append(row)
        log(f"categories, {name}: macro-F1 {row['macro_f1']} over {repeats} draws ({row['range']})")
    return rows


def train_default(log: Log = print) -> dict[str, Any]:
    """The shipped bundle, trained on every corpus (held-out test splits stay out)."""
    reviews, weibo = corpora.zh_reviews(), corpora.zh_weibo("train")
    emotions = pd.concat([weibo, corpora.zh_weibo("eval")], ignore_index=True)
    log("training Chinese sentiment and emotion ...")
    zh = fit_zh(zh_sentiment_frame(reviews, weibo), emotions)
    log("training English sentiment and suggestions ...")
    en = fit_en(
        en_sentiment_frame(corpora.en_sentences(), corpora.en_banking("train")),
        corpora.en_suggestions("train"),
    )
    return {
        "zh": zh,
        "en": en,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn": sklearn.__version__,
    }


def throughput(texts: list[str], repeats: int = 3) -> float:
    """Texts per second for the full default analysis in this process (one core)."""
    from voxloop.text.analysis import analyze

    analyze(texts[:100])
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        analyze(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def sample_texts(n: int = 10_000) -> list[str]:
    """Half Chinese reviews and posts, half English sentences and queries."""
    zh = pd.concat([corpora.zh_reviews()["text"], corpora.zh_weibo("test")["text"]])
    en = pd.concat([corpora.en_sentences()["text"], corpora.en_banking("test")["text"]])
    half, rest = n // 2, n - n // 2
    return list(zh.sample(half, random_state=_SEED, replace=half > len(zh))) + list(
        en.sample(rest, random_state=_SEED, replace=rest > len(en))
    )


def _table(rows: list[dict[str, Any]]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    return "\n".join(lines)


def write_card(results: dict[str, Any], speed: float, path: Path = CARD_PATH) -> None:
    template = (Path(__file__).with_name("trained") / "MODEL_CARD.template.md").read_text("utf-8")
    values = {
        "date": datetime.now(UTC).date().isoformat(),
        "sklearn": sklearn.__version__,
        "python": platform.python_version(),
        "zh_sentiment": _table(results["zh_sentiment"]),
        "en_sentiment": _table(results["en_sentiment"]),
        "zh_emotion": _table([results["zh_emotion"]]),
        "en_suggestion": _table([results["en_suggestion"]]),
        "categories": _table(results["categories"]),
        "speed": f"{speed:,.0f}",
    }
    path.write_text(template.format(**values), "utf-8")


def main(*, output: Path, card: bool = True, log: Log = print) -> None:
    bundle = train_default(log)
    output.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, output, compress=3)
    log(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB)")
    if card:
        results = evaluate(log)
        from voxloop.text import analysis

        analysis.default_model.cache_clear()
        speed = throughput(sample_texts())
        log(f"full analysis: {speed:,.0f} texts/s on one core")
        write_card(results, speed)
        log(f"wrote {CARD_PATH}")
