"""Text analysis throughput on one core, and themes on a week of feedback.

1. The full default analysis (language, sentiment, emotion, type, keywords, aspects, personal
   data) of 20,000 real records, half Chinese and half English, in one process pinned to one
   core; the baseline is tokenizing the same records (jieba for Chinese, a regex for English),
   the least any analysis must do.
2. The same through `voxloop text classify` columns only (no aspects), as the CLI runs it.
3. Theme discovery over 5,000 negative reviews, against fitting the TF-IDF alone.

    .venv/bin/python bench/text.py
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: no BLAS threads either
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import re  # noqa: E402
import time  # noqa: E402

from voxloop.text import themes, training  # noqa: E402
from voxloop.text.analysis import analyze  # noqa: E402
from voxloop.text.tokenize import words  # noqa: E402

N = 20_000
TARGET = 2_000  # texts/s per core
_EN = re.compile(r"\w+")


def timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def tokenize_all(texts: list[str]) -> None:
    for text in texts:
        words(text) if re.search(r"[\u4e00-\u9fff]", text) else _EN.findall(text.lower())


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = training.sample_texts(N)
    analyze(texts[:200])
    tokenize_all(texts[:200])
    baseline = N / timed(tokenize_all, texts)
    full = N / timed(analyze, texts)
    columns = N / timed(analyze, texts, with_aspects=False)
    print(f"text analysis, {N:,} records (50 % zh, 50 % en), one core:")
    print(f"  tokenize only (baseline)        {baseline:>9,.0f} texts/s")
    print(f"  full analysis (API)             {full:>9,.0f} texts/s  ratio {full / baseline:.2f}", end="")
    print(f"  target {TARGET:,}")
    print(f"  classify columns (CLI)          {columns:>9,.0f} texts/s  ratio {columns / baseline:.2f}")

    from voxloop.text import corpora

    reviews = corpora.zh_reviews()
    negative = list(reviews[reviews["label"] == "negative"]["text"].sample(5_000, random_state=0))
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = timed(TfidfVectorizer(analyzer=themes.content_words, min_df=2).fit_transform, negative)
    found: list[themes.Theme] = []
    seconds = timed(lambda: found.extend(themes.discover(negative).themes))
    print(f"themes, {len(negative):,} negative reviews: {seconds:.2f} s, {len(found)} themes")
    print(f"  TF-IDF of content words alone (baseline) {tfidf:.2f} s  ratio {seconds / tfidf:.2f}")


if __name__ == "__main__":
    main()
