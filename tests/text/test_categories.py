"""Learning an organization's categories from a few labelled examples."""

import joblib
import pytest
from sklearn.metrics import f1_score

from voxloop.text import categories, corpora


def _banking(labels: list[str], per_label: int = 20):  # type: ignore[no-untyped-def]
    train = corpora.en_banking("train")
    train = train[train["label"].isin(labels)].groupby("label").sample(per_label, random_state=1)
    test = corpora.en_banking("test")
    return train, test[test["label"].isin(labels)]


LABELS = [
    "card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "Refund_not_showing_up",
    "pin_blocked", "transfer_timing", "cash_withdrawal_charge", "verify_my_identity",
]  # fmt: skip


def test_twenty_examples_per_category_teach_nine_banking_intents(tmp_path):
    train, test = _banking(LABELS)
    model = categories.learn(list(train["text"]), list(train["label"]))
    predicted = [label for label, _ in model.predict(list(test["text"]))]
    assert f1_score(test["label"], predicted, average="macro") >= 0.8
    report = model.report
    assert report["examples"] == 180 and report["folds"] == 5
    assert set(report["categories"]) == set(LABELS)
    assert all(0 <= c["f1"] <= 1 and c["examples"] == 20 for c in report["categories"].values())
    assert report["accuracy"] >= 0.7  # cross-validated, so a manager knows what to expect

    path = tmp_path / "banking.model"
    model.save(path)
    again = categories.load(path)
    assert again.predict(["my card has not arrived yet"]) == model.predict(["my card has not arrived yet"])
    assert again.report == report


def test_confidence_below_the_threshold_is_not_sure():
    train, _ = _banking(LABELS[:3], per_label=10)
    model = categories.learn(list(train["text"]), list(train["label"]), threshold=0.9)
    (label, confidence), (_, vague) = model.predict(["I lost my card", "hello"])
    assert label == "lost_or_stolen_card"
    assert not model.sure(vague) and vague < 0.9


def test_chinese_categories_learn_from_characters():
    products = corpora.zh_products()
    train = products.groupby("label").sample(20, random_state=2)
    test = products.drop(train.index).groupby("label").sample(100, random_state=2)
    model = categories.learn(list(train["text"]), list(train["label"]))
    predicted = [label for label, _ in model.predict(list(test["text"]))]
    assert f1_score(test["label"], predicted, average="macro") >= 0.6


def test_too_few_examples_are_refused_with_the_reason(tmp_path):
    with pytest.raises(categories.LearnError, match="two categories"):
        categories.learn(["a", "b", "c"], ["x", "x", "x"])
    with pytest.raises(categories.LearnError, match="fewer than 2 examples: y"):
        categories.learn(["a", "b", "c"], ["x", "x", "y"])
    other = tmp_path / "other.joblib"
    joblib.dump({"something": 1}, other)
    with pytest.raises(categories.LearnError, match="not a Voxloop category model"):
        categories.load(other)
