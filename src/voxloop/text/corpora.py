"""The public corpora the default models learn from (../shared/data), as (text, label) frames.

Each loader returns a pandas DataFrame with `text`, `label` and `domain`, so training and the
cross-domain evaluations in the model card can hold a whole domain out.
"""

import json
import os
from pathlib import Path

import pandas as pd

# Emotions of SMP2020-EWECT in Voxloop's names.
_EMOTIONS = {"happy": "joy", "angry": "anger", "sad": "sadness", "fear": "fear", "surprise": "surprise"}
_WORKSPACE = Path("/work/shared/data")
_EMOTION_SENTIMENT = {"joy": "positive", "anger": "negative", "sadness": "negative", "fear": "negative"}


def data_dir() -> Path:
    """The shared data folder: VOXLOOP_TEXT_DATA, else shared/data beside the checkout (or the
    development machine's /work/shared/data)."""
    configured = os.environ.get("VOXLOOP_TEXT_DATA")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    if _WORKSPACE.is_dir():  # a checkout elsewhere (a CI clone in /tmp) on the development machine
        return _WORKSPACE
    raise FileNotFoundError("no shared/data folder found; set VOXLOOP_TEXT_DATA")


def _frame(texts: "pd.Series[str]", labels: "pd.Series[str]", domain: "pd.Series[str] | str") -> pd.DataFrame:
    frame = pd.DataFrame({"text": texts.astype(str), "label": labels, "domain": domain})
    return frame[frame["text"].str.strip().astype(bool)].reset_index(drop=True)


def zh_reviews() -> pd.DataFrame:
    """Food-delivery and e-commerce reviews, positive/negative; the domain is the product."""
    root = data_dir()
    waimai = pd.read_csv(root / "zh_waimai_10k" / "waimai_10k.csv").dropna()
    shop = pd.read_csv(root / "zh_online_shopping_7cats" / "online_shopping_7cats.csv").dropna()
    polarity = {1: "positive", 0: "negative"}
    return pd.concat(
        [
            _frame(waimai["review"], waimai["label"].map(polarity), "外卖"),
            _frame(shop["review"], shop["label"].map(polarity), shop["cat"]),
        ],
        ignore_index=True,
    )


def zh_products() -> pd.DataFrame:
    """E-commerce reviews labelled with their product category (7 categories)."""
    shop = pd.read_csv(data_dir() / "zh_online_shopping_7cats" / "online_shopping_7cats.csv").dropna()
    return _frame(shop["review"], shop["cat"], "shopping")


def zh_weibo(split: str = "train") -> pd.DataFrame:
    """SMP2020-EWECT epidemic-domain Weibo posts with six emotions (train, eval or test)."""
    name = {"train": "virus_train", "eval": "virus_eval_labeled", "test": "virus_test_labeled"}[split]
    rows = json.loads((data_dir() / "zh_weibo_emotion_virus" / f"{name}.json").read_text("utf-8"))
    frame = pd.DataFrame(rows)
    return _frame(frame["content"], frame["label"].map(lambda x: _EMOTIONS.get(x, "neutral")), "weibo")


def emotion_sentiment(emotion: str) -> str | None:
    """The sentiment an emotion implies; None for surprise, which goes either way."""
    if emotion == "surprise":
        return None
    return _EMOTION_SENTIMENT.get(emotion, "neutral")


def en_sentences() -> pd.DataFrame:
    """UCI sentences (Amazon, Yelp, IMDb) and Amazon Alexa reviews by stars (3 = neutral)."""
    root = data_dir() / "en_uci_sentences"
    frames = []
    for name, domain in (("amazon_cells", "amazon"), ("yelp", "yelp"), ("imdb", "imdb")):
        rows = [
            line.rsplit("\t", 1)
            for line in (root / f"{name}_labelled.txt").read_text("utf-8").splitlines()
            if "\t" in line
        ]
        frame = pd.DataFrame(rows, columns=["text", "label"])
        frames.append(
            _frame(frame["text"], frame["label"].str.strip().map({"1": "positive", "0": "negative"}), domain)
        )
    alexa = pd.read_csv(data_dir() / "en_amazon_alexa" / "amazon_alexa.tsv", sep="\t").dropna(
        subset=["verified_reviews"]
    )
    stars = alexa["rating"].map(lambda r: "negative" if r <= 2 else "neutral" if r == 3 else "positive")
    frames.append(_frame(alexa["verified_reviews"], stars, "alexa"))
    return pd.concat(frames, ignore_index=True)


def en_suggestions(split: str = "train") -> pd.DataFrame:
    """SemEval-2019 Task 9A sentences: suggestion (1) or not (0); train or trial."""
    root = data_dir() / "en_suggestion_mining"
    if split == "train":
        frame = pd.read_csv(root / "V1.4_Training.csv", header=None, names=["id", "sentence", "label"])
    else:
        frame = pd.read_csv(root / "SubtaskA_Trial_Test_Labeled.csv", encoding="latin-1")
    text = frame["sentence"].astype(str).str.strip('"').str.replace('""', '"')
    return _frame(text, frame["label"].astype(int), "suggestions")


def en_banking(split: str = "train") -> pd.DataFrame:
    """BANKING77 customer queries with their intent (77 categories)."""
    frame = pd.read_csv(data_dir() / "en_banking77" / f"{split}.csv")
    return _frame(frame["text"], frame["category"], "banking")
