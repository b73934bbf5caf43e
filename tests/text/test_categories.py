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
    with pytest.raises(categories.LearnError, match="x: 2, y: 1"):
        categories.learn(["a", "b", "c"], ["x", "x", "y"])
    with pytest.raises(categories.LearnError, match="x: 1, y: 2"):  # one sentence twice is one example
        categories.learn(["a", "a", "b", "c"], ["x", "x", "y", "y"])
    other = tmp_path / "other.joblib"
    joblib.dump({"something": 1}, other)
    with pytest.raises(categories.LearnError, match="not a Voxloop category model"):
        categories.load(other)


def test_a_category_with_one_example_is_named_and_the_rest_still_learn():
    train, _ = _banking(LABELS[:3], per_label=10)
    texts, labels = list(train["text"]) + ["Where is my parcel?"], list(train["label"]) + ["delivery"]
    model = categories.learn(texts, labels)
    assert model.report["too_small"] == {"delivery": 1}
    assert sorted(model.labels) == sorted(LABELS[:3])


def test_the_scores_come_from_peoples_labels_when_there_are_enough():
    train, _ = _banking(LABELS[:3], per_label=20)
    texts, labels = list(train["text"]), list(train["label"])
    by_rules = categories.learn(texts, labels, by_people=[False] * len(texts))
    assert (by_rules.report["measured_on"], by_rules.report["measured"]) == ("rules", len(texts))
    people = [i % 2 == 0 for i in range(len(texts))]  # half the labels were given by people
    mixed = categories.learn(texts, labels, by_people=people)
    assert (mixed.report["measured_on"], mixed.report["measured"]) == ("people", sum(people))
    assert sum(c["examples"] for c in mixed.report["categories"].values()) == sum(people)


def test_trust_needs_enough_distinct_examples_not_only_a_score():
    assert categories.trust(examples=36, f1=0.95) == "yes"
    assert categories.trust(examples=4, f1=1.0) == "not yet"
    assert categories.trust(examples=12, f1=0.9) == "check"
    assert categories.trust(examples=50, f1=0.5) == "not yet"


def test_meaning_carries_a_category_across_languages():
    # taught in English only; the n-grams of a Chinese text share nothing with the examples
    examples = {
        "wifi": ["The wifi keeps dropping", "Cannot connect to the internet", "WiFi signal is too weak"],
        "parking": ["No parking spaces left", "Parking is too expensive", "The car park signs are confusing"],
        "breakfast": ["The breakfast queue was long", "Little choice at breakfast", "No tables at breakfast"],
    }  # fmt: skip
    texts = [t for ts in examples.values() for t in ts]
    labels = [y for y, ts in examples.items() for _ in ts]
    model = categories.learn(texts, labels, folds=3)
    predicted = model.predict(["房间的无线网络总是断线", "停车位太少了", "早餐排队排了半个小时"])
    assert [label for label, _ in predicted] == ["wifi", "parking", "breakfast"]
    assert model.report["meaning"] is True
    # n-grams alone know nothing of a Chinese text here: a guess at about one in three
    words_only = categories.learn(texts, labels, folds=3, meaning=False)
    assert all(confidence < 0.45 for _, confidence in words_only.predict(["停车位太少了"]))


def test_the_saved_model_holds_no_encoder_and_old_models_still_load(tmp_path):
    train, _ = _banking(LABELS[:3], per_label=10)
    model = categories.learn(list(train["text"]), list(train["label"]))
    path = tmp_path / "new.model"
    model.save(path)
    assert path.stat().st_size < 1_000_000  # the encoder's weights are 30 MB
    assert joblib.load(path)["format"] == categories.FORMAT
    assert categories.load(path).predict(["I lost my card"])[0][0] == "lost_or_stolen_card"

    # a model saved before the encoder (format 1, n-grams only) predicts as it did
    old = categories.learn(list(train["text"]), list(train["label"]), meaning=False)
    joblib.dump(
        {
            "format": "voxloop-categories/1",
            "pipeline": old.pipeline,
            "labels": old.labels,
            "threshold": old.threshold,
            "report": old.report,
        },
        tmp_path / "old.model",
    )
    again = categories.load(tmp_path / "old.model")
    texts = ["I lost my card", "what is the exchange rate", "my card has not come"]
    assert again.predict(texts) == old.predict(texts)
    assert again.sure(again.predict(texts)[0][1]) == old.sure(old.predict(texts)[0][1])
