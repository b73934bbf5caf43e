"""Features the default models share: character n-grams and jieba words for Chinese, words and
VADER's lexicon scores for English."""

from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_union
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from voxloop.text.tokenize import cut

# VADER's four scores are dense and few; scaled up so they can stand against thousands of n-grams.
_LEXICON_WEIGHT = 3.0


def zh_words(text: str) -> list[str]:
    """jieba's words of a normalized text and each pair of neighbouring words."""
    words = [w for w in cut(text) if w.strip()]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def zh_vectorizer() -> FeatureUnion:
    """Character 1-3-grams (robust to unknown words and typos) beside jieba words and word
    pairs (which carry negation and phrases): about a point more accuracy on unseen domains."""
    chars = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        min_df=2,
        max_features=150_000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    words = TfidfVectorizer(
        analyzer=zh_words, min_df=2, max_features=150_000, sublinear_tf=True, dtype=np.float32
    )
    return make_union(chars, words)


def en_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        min_df=2,
        max_features=150_000,
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w[\w']*\b",
        dtype=np.float32,
    )


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def lexicon_scores(texts: list[str]) -> np.ndarray:
    """VADER's positive, negative, neutral and compound scores per text (emoji included)."""
    vader = _vader()
    rows = [vader.polarity_scores(t) for t in texts]
    return np.array([[r["pos"], r["neg"], r["neu"], r["compound"]] for r in rows], dtype=np.float32).reshape(
        len(texts), 4
    )


def en_features(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    return sp.hstack(
        [vectorizer.transform(texts), sp.csr_matrix(lexicon_scores(texts) * _LEXICON_WEIGHT)]
    ).tocsr()
