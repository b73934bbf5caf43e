"""`voxloop text classify` and `voxloop text learn` on real files of every supported kind."""

import json

import pandas as pd
import pytest

from voxloop.cli import main
from voxloop.text import corpora

TEXTS = [
    "房间很干净，服务员很热情，下次还来",
    "空调坏了一晚上没人修，太失望了",
    "建议早餐增加一些素食",
    "请问几点退房？",
    "The staff were lovely and the room was spotless",
    "Terrible service, the receptionist was rude",
    "",
    "😀😀",
]
ADDED = ["language", "sentiment", "sentiment_score", "emotion", "feedback_type", "category", "keywords"]


def _write(frame: pd.DataFrame, path) -> None:  # type: ignore[no-untyped-def]
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in frame.to_dict("records")), "utf-8"
        )


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".jsonl"])
def test_classify_keeps_the_input_columns_and_adds_the_analysis(tmp_path, suffix, capsys):
    source = tmp_path / f"in{suffix}"
    _write(pd.DataFrame({"id": range(len(TEXTS)), "comment": TEXTS, "sentiment": "x"}), source)
    out = tmp_path / "out.csv"
    main(["text", "classify", str(source), "--text-column", "comment", "--output", str(out)])
    result = pd.read_csv(out, keep_default_na=False)
    assert list(result.columns) == ["id", "comment", "sentiment_input", *ADDED]
    assert list(result["id"]) == list(range(len(TEXTS)))
    assert list(result["language"]) == ["zh", "zh", "zh", "zh", "en", "en", "unknown", "unknown"]
    assert list(result["sentiment"][[0, 1, 4, 5, 6]]) == [
        "positive",
        "negative",
        "positive",
        "negative",
        "neutral",
    ]
    assert list(result["feedback_type"][:6]) == [
        "praise",
        "complaint",
        "suggestion",
        "inquiry",
        "praise",
        "complaint",
    ]
    assert set(result["emotion"]) <= {"joy", "anger", "sadness", "fear", "surprise", "neutral"}
    assert all(-1 <= s <= 1 for s in result["sentiment_score"])
    assert "早餐" in result["keywords"][2]
    assert "8 rows written" in capsys.readouterr().err


def test_a_missing_column_is_named(tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["ok"]}).to_csv(source, index=False)
    with pytest.raises(SystemExit) as exc:
        main(
            ["text", "classify", str(source), "--text-column", "review", "--output", str(tmp_path / "o.csv")]
        )
    assert "no column 'review'" in str(exc.value) and "comment" in str(exc.value)


def test_a_gb18030_csv_from_a_chinese_spreadsheet_is_read(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes("comment\n服务员态度很差\n".encode("gb18030"))
    out = tmp_path / "out.jsonl"
    main(["text", "classify", str(source), "--text-column", "comment", "--output", str(out)])
    row = json.loads(out.read_text("utf-8").splitlines()[0])
    assert row["comment"] == "服务员态度很差" and row["sentiment"] == "negative"


def test_learn_prints_cross_validated_accuracy_and_classify_uses_the_model(tmp_path, capsys):
    products = corpora.zh_products()
    train = products.groupby("label").sample(15, random_state=3)
    train_file = tmp_path / "train.xlsx"
    train.rename(columns={"text": "评论", "label": "品类"})[["评论", "品类"]].to_excel(
        train_file, index=False
    )
    model = tmp_path / "products.model"
    main(
        [
            "text",
            "learn",
            str(train_file),
            "--text-column",
            "评论",
            "--label-column",
            "品类",
            "--output",
            str(model),
        ]
    )
    printed = capsys.readouterr().out
    assert "105 examples, 7 categories, 5-fold cross-validation" in printed
    assert "accuracy 0." in printed and "macro-F1 0." in printed and "洗发水" in printed

    test = products.drop(train.index).sample(50, random_state=3)
    source = tmp_path / "reviews.csv"
    test[["text"]].to_csv(source, index=False)
    out = tmp_path / "out.csv"
    main(
        [
            "text",
            "classify",
            str(source),
            "--text-column",
            "text",
            "--output",
            str(out),
            "--categories",
            str(model),
        ]
    )
    result = pd.read_csv(out)
    assert set(result["category"]) <= set(products["label"])
    assert (result["category"].to_numpy() == test["label"].to_numpy()).mean() >= 0.5
    assert result["category_confidence"].between(0, 1).all()
