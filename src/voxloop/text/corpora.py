"""The public corpora the default models learn from (../shared/data), as (text, label) frames.

Each loader returns a pandas DataFrame with `text`, `label` and `domain`, so training and the
cross-domain evaluations in the model card can hold a whole domain out.
"""

import json
import os
from pathlib import Path

import pandas as pd

# Emotions of SMP2020-EWECT, CLUE Emotion 2020, GoEmotions (Ekman) and TweetEval in Voxloop's names.
_EMOTIONS = {"happy": "joy", "angry": "anger", "sad": "sadness", "fear": "fear", "surprise": "surprise"}
_CLUE_EMOTIONS = {
    "like": "joy", "happiness": "joy", "sadness": "sadness", "anger": "anger", "disgust": "anger",
    "fear": "fear", "surprise": "surprise",
}  # fmt: skip
_EKMAN_EMOTIONS = {
    "joy": "joy", "anger": "anger", "disgust": "anger", "sadness": "sadness", "fear": "fear",
    "surprise": "surprise", "neutral": "neutral",
}  # fmt: skip
_TWEETEVAL_EMOTIONS = {"anger": "anger", "joy": "joy", "optimism": "joy", "sadness": "sadness"}
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


def zh_clue(split: str | None = None) -> pd.DataFrame:
    """CLUE Emotion 2020 general-domain Weibo posts (validation and test parts; `split` picks
    one), in Voxloop's emotions: like/happiness -> joy, disgust -> anger. No neutral posts."""
    frame = pd.read_csv(data_dir() / "zh_clue_emotion_weibo" / "clue_emotion.csv")
    if split is not None:
        frame = frame[frame["split"] == split]
    return _frame(frame["text"], frame["label"].map(_CLUE_EMOTIONS), "clue")


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


def en_tweets(split: str | None = None) -> pd.DataFrame:
    """SemEval-2017 Task 4A / TweetEval tweets, negative/neutral/positive (train, validation or
    test; all when `split` is None)."""
    frame = pd.read_csv(data_dir() / "en_tweeteval_sentiment" / "tweeteval_sentiment.csv")
    if split is not None:
        frame = frame[frame["split"] == split]
    return _frame(frame["text"], frame["label"], "tweets")


def _goemotions(split: str | None) -> pd.DataFrame:
    frame = pd.read_csv(data_dir() / "en_goemotions" / "goemotions.csv")
    return frame if split is None else frame[frame["split"] == split]


def en_reddit(split: str | None = None) -> pd.DataFrame:
    """GoEmotions Reddit comments with one sentiment group (positive, negative, neutral); those
    whose labels are only ambiguous (surprise, curiosity, confusion, realization) or mix
    groups are left out."""
    frame = _goemotions(split)
    frame = frame[frame["sentiment"].isin(["positive", "negative", "neutral"])]
    return _frame(frame["text"], frame["sentiment"], "reddit")


def en_reddit_emotions(split: str | None = None) -> pd.DataFrame:
    """GoEmotions comments with one Ekman emotion, in Voxloop's emotions (disgust -> anger)."""
    frame = _goemotions(split)
    frame = frame[frame["ekman"].isin(list(_EKMAN_EMOTIONS))]
    return _frame(frame["text"], frame["ekman"].map(_EKMAN_EMOTIONS), "reddit")


def en_tweet_emotions(split: str | None = None) -> pd.DataFrame:
    """TweetEval emotion tweets (SemEval-2018): anger, joy (optimism -> joy), sadness."""
    frame = pd.read_csv(data_dir() / "en_tweeteval_emotion" / "tweeteval_emotion.csv")
    if split is not None:
        frame = frame[frame["split"] == split]
    return _frame(frame["text"], frame["label"].map(_TWEETEVAL_EMOTIONS), "tweets")
