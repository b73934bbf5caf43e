"""The sentence encoder where it is used, each figure beside its TF-IDF baseline from the same run.

1. Speed: embedding real records (half Chinese, half English) on one core, against extracting
   their content words (what the TF-IDF themes start from).
2. Few-shot categories (the protocol of `voxloop.text.training.few_shot`: BANKING77, 9 random
   intents; Chinese product reviews, 7 categories; 3 draws; 20 and 10 examples a category):
   macro-F1 with n-grams only (format 1) and with the embedding beside them.
3. Themes on labelled topic sets: BANKING77 test (15 random intents x 30 queries), Chinese
   product reviews (7 categories x 50), and hotel complaints written in both languages (8
   topics): purity and NMI of the themes found, and the share of texts put in a theme
   (coverage), for the TF-IDF k-means themes Voxloop had before and the encoder's.

    .venv/bin/python bench/encoder.py [--quick]
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: no BLAS threads either
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Sequence  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402

from voxloop.text import corpora, encoder, themes, training  # noqa: E402

# Complaints a hotel group might get in a week, by topic, in both languages.
HOTEL = {
    "wifi": [
        "房间的无线网络总是断线", "wifi信号太差，根本连不上", "网络一直掉线，没法视频会议",
        "The wifi keeps dropping in my room", "Could not connect to the internet all evening",
        "WiFi signal is very weak on the fifth floor",
    ],
    "breakfast": [
        "早餐排队排了半个小时", "早餐厅人太多，没有座位", "早餐种类太少，每天都一样",
        "The breakfast queue was thirty minutes long", "Breakfast room was overcrowded, no free tables",
        "Breakfast had very little choice, the same every day",
    ],
    "parking": [
        "停车场的指示牌看不清，找了很久", "停车位太少，只能停在路边", "停车费太贵了",
        "The parking signs are confusing, we drove around for ages",
        "No parking spaces left when we arrived", "Parking charge is far too expensive",
    ],
    "air conditioning": [
        "空调坏了没人修", "房间空调不制冷，热得睡不着", "空调噪音很大",
        "The air conditioner is broken and nobody came to fix it",
        "Air conditioning did not cool the room at all", "The AC unit was rattling all night",
    ],
    "pool": [
        "游泳池的水很脏", "泳池水太凉了，没法游", "游泳池关门太早",
        "The swimming pool water was dirty", "Pool was freezing cold", "The pool closes far too early",
    ],
    "invoice": [
        "发票开错了，公司抬头不对", "退房时要发票等了很久", "发票金额和账单不一致",
        "The invoice has the wrong company name", "Waited ages at checkout for an invoice",
        "The amount on the invoice does not match my bill",
    ],
    "noise": [
        "隔壁房间太吵，一夜没睡好", "楼上装修噪音太大", "走廊里有人大声喧哗到半夜",
        "Noisy neighbours kept us awake all night", "Construction noise from the floor above",
        "People shouting in the corridor until midnight",
    ],
    "cleanliness": [
        "床单上有头发，不干净", "卫生间很脏，有异味", "房间地毯有污渍",
        "There were hairs on the bed sheets", "The bathroom was dirty and smelled bad",
        "Stains all over the carpet in our room",
    ],
}  # fmt: skip


def timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def words_themes(
    texts: Sequence[str], *, max_themes: int = 12, min_size: int = 3, seed: int = 0
) -> list[list[int]]:
    """The themes Voxloop found before the encoder: k-means on TF-IDF of content words, a theme
    needing a word 30 % of its members share."""
    usable = [i for i, t in enumerate(texts) if themes.content_words(t)]
    vectorizer = TfidfVectorizer(analyzer=themes.content_words, min_df=2, sublinear_tf=True)
    X = vectorizer.fit_transform([texts[i] for i in usable])
    k = min(max(2, min(max_themes, round(math.sqrt(len(usable) / 2)))), X.shape[0])
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(X)
    found = []
    for c in range(k):
        rows = np.flatnonzero(model.labels_ == c)
        if len(rows) < min_size or np.linalg.norm(model.cluster_centers_[c]) == 0:
            continue
        if np.asarray((X[rows] > 0).mean(axis=0)).ravel().max() < 0.3:
            continue
        found.append([usable[i] for i in rows])
    return found


def scores(found: list[list[int]], truth: Sequence[str]) -> tuple[float, float, float]:
    """(purity, NMI, coverage): purity and NMI over the texts put in a theme."""
    assigned = [(i, t) for t, members in enumerate(found) for i in members]
    if not assigned:
        return 0.0, 0.0, 0.0
    majority = sum(Counter(truth[i] for i in members).most_common(1)[0][1] for members in found)
    nmi = normalized_mutual_info_score([truth[i] for i, _ in assigned], [t for _, t in assigned])
    return majority / len(assigned), float(nmi), len(assigned) / len(truth)


def topic_sets(quick: bool) -> list[tuple[str, list[str], list[str], int]]:
    rng = np.random.RandomState(0)
    banking = corpora.en_banking("test")
    intents = rng.choice(sorted(banking["label"].unique()), 15, replace=False)
    bank = banking[banking["label"].isin(intents)].groupby("label").sample(30, random_state=0)
    products = corpora.zh_products().groupby("label").sample(50, random_state=0)
    hotel = [(text, topic) for topic, texts in HOTEL.items() for text in texts]
    sets = [
        ("BANKING77, 15 intents x 30", list(bank["text"]), list(bank["label"]), 20),
        ("zh products, 7 categories x 50", list(products["text"]), list(products["label"]), 12),
        ("hotel complaints zh+en, 8 topics x 6", [t for t, _ in hotel], [y for _, y in hotel], 12),
    ]
    return sets[2:] if quick else sets


def few_shot(per_label: int, meaning: bool, repeats: int = 3) -> list[float]:
    """`training.few_shot`'s protocol, with or without the embedding: macro-F1 per task."""
    rows = training.few_shot(lambda _: None, per_label, repeats, meaning=meaning)
    return [float(r["macro_f1"]) for r in rows]


def main(quick: bool = False) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = training.sample_texts(500 if quick else 4_000)
    encoder.embed(texts[:20])
    baseline = len(texts) / timed(lambda: [themes.content_words(t) for t in texts])
    speed = len(texts) / timed(encoder.embed, texts)
    print(f"speed, {len(texts):,} records (50 % zh, 50 % en), one core:")
    print(f"  content words (baseline) {baseline:>9,.0f} texts/s")
    print(f"  sentence embedding       {speed:>9,.0f} texts/s  ratio {speed / baseline:.3f}")
    print(f"  20,000 records embedded in about {20_000 / speed:,.0f} s")

    print("themes: purity / NMI / coverage, TF-IDF k-means (before) -> encoder (after)")
    for name, docs, truth, max_themes in topic_sets(quick):
        before = scores(words_themes(docs, max_themes=max_themes), truth)
        seconds = time.perf_counter()
        after = scores([t.members for t in themes.discover(docs, max_themes=max_themes).themes], truth)
        seconds = time.perf_counter() - seconds
        print(
            f"  {name}: purity {before[0]:.3f} -> {after[0]:.3f}, NMI {before[1]:.3f} -> {after[1]:.3f},"
            f" coverage {before[2]:.2f} -> {after[2]:.2f}  (ratio NMI {after[1] / max(before[1], 1e-9):.2f};"
            f" {seconds:.1f} s)"
        )
    if quick:
        return
    print("few-shot categories, macro-F1: n-grams only (before) -> with the embedding (after)")
    for per_label in (20, 10):
        before, after = few_shot(per_label, False), few_shot(per_label, True)
        for task, b, a in zip(
            ("BANKING77, 9 intents", "zh products, 7 categories"), before, after, strict=True
        ):
            print(f"  {task}, {per_label} examples each: {b:.3f} -> {a:.3f}  (ratio {a / b:.3f})")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
