"""POST /api/v1/text/analyze, the organization's learned categories, and triage using both."""

from sqlalchemy import select

from tests.factories import make_account
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.text import corpora
from voxloop.text import service as text
from voxloop.text.models import TextModel
from voxloop.text.tasks import schedule_retraining


def test_analyze_returns_every_field_for_chinese_english_and_bad_input(client):
    acct = make_account(role="viewer")
    texts = [
        "房间很干净，但是早餐太难吃了",
        "Please add a vegetarian breakfast",
        "",
        "😀",
        "<script>x</script>" * 20,
    ]
    r = client.post("/api/v1/text/analyze", json={"texts": texts}, headers=acct.headers)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == 5
    first = results[0]
    assert (first["language"], first["sentiment"], first["feedback_type"]) == ("zh", "negative", "complaint")
    assert {(a["aspect"], a["sentiment"]) for a in first["aspects"]} >= {
        ("干净", "positive"),
        ("难吃", "negative"),
    }
    assert results[1]["feedback_type"] == "suggestion" and results[1]["language"] == "en"
    assert results[2] == {
        "language": "unknown", "sentiment": "neutral", "sentiment_score": 0.0, "emotion": "neutral",
        "feedback_type": "other", "category": None, "category_confidence": None, "keywords": [],
        "aspects": [], "pii": [], "truncated": False, "redacted": None,
    }  # fmt: skip
    assert results[3]["sentiment"] == "positive"


def test_analyze_finds_personal_data_and_says_when_a_text_was_cut(client):
    acct = make_account(role="agent")
    texts = ["请联系我 13812345678 或 a@b.com", "好" * 200_000]
    results = client.post("/api/v1/text/analyze", json={"texts": texts}, headers=acct.headers).json()[
        "results"
    ]
    assert results[0]["pii"] == ["email", "phone"]
    assert results[1]["truncated"] is True and results[0]["truncated"] is False


def test_analyze_redacts_on_request_and_duplicates_are_grouped(client):
    acct = make_account(role="agent")
    body = {"texts": ["请拨打 13812345678 联系李女士", "no personal data"], "redact": True}
    results = client.post("/api/v1/text/analyze", json=body, headers=acct.headers).json()["results"]
    assert [r["redacted"] for r in results] == ["请拨打 [PHONE] 联系李女士", "no personal data"]
    texts = [
        "空调坏了，一直没人修",
        "空调坏了，一直没人修！！",
        "早餐很好",
        "The lift is broken",
        "the lift is broken.",
    ]
    r = client.post("/api/v1/text/duplicates", json={"texts": texts}, headers=acct.headers)
    assert r.status_code == 200 and r.json() == {"groups": [[0, 1], [3, 4]]}
    r = client.post("/api/v1/text/duplicates", json={"texts": texts, "threshold": 2}, headers=acct.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "threshold"


def test_analyze_refuses_bad_requests_naming_the_field(client):
    acct = make_account()
    assert client.post("/api/v1/text/analyze", json={"texts": ["x"]}).status_code == 401
    r = client.post("/api/v1/text/analyze", json={"texts": []}, headers=acct.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "texts"
    r = client.post("/api/v1/text/analyze", json={"texts": ["x"] * 1001}, headers=acct.headers)
    assert r.status_code == 422
    r = client.post("/api/v1/text/analyze", json={"texts": [1, None]}, headers=acct.headers)
    assert r.status_code == 422


def test_analyze_reads_a_bounded_amount_of_text_per_request(client, settings_env):
    """A viewer cannot buy a minute of CPU with one call: the texts together are capped."""
    acct = make_account(role="viewer")
    texts = ["房间很吵" * 1250] * 50  # 250,000 characters: over the default 200,000
    assert client.post("/api/v1/text/analyze", json={"texts": texts}, headers=acct.headers).status_code == 422
    settings_env(TEXT_ANALYZE_MAX_CHARS="1000")
    r = client.post("/api/v1/text/analyze", json={"texts": ["x" * 600, "y" * 600]}, headers=acct.headers)
    assert r.status_code == 422
    [field] = r.json()["error"]["fields"]
    assert field["field"] == "texts" and "1,000" in field["reason"] and "1,200" in field["reason"]
    r = client.post("/api/v1/text/analyze", json={"texts": ["x" * 600, "y" * 400]}, headers=acct.headers)
    assert r.status_code == 200 and len(r.json()["results"]) == 2
    long = {"texts": ["好" * 20_000]}  # analysis reads its first 5,000 characters; redaction all
    assert client.post("/api/v1/text/analyze", json=long, headers=acct.headers).status_code == 422
    settings_env(TEXT_ANALYZE_MAX_CHARS="5000")
    assert client.post("/api/v1/text/analyze", json=long, headers=acct.headers).status_code == 200
    redacted = {**long, "redact": True}
    assert client.post("/api/v1/text/analyze", json=redacted, headers=acct.headers).status_code == 422


def _examples(per_label: int = 20) -> list[dict[str, str]]:
    products = corpora.zh_products()
    codes = {"水果": "fruit", "洗发水": "shampoo", "热水器": "heater", "衣服": "clothes"}
    frame = products[products["label"].isin(codes)].groupby("label").sample(per_label, random_state=4)
    return [
        {"text": t, "category": codes[label]} for t, label in zip(frame["text"], frame["label"], strict=True)
    ]


def _categories(client, acct) -> None:  # type: ignore[no-untyped-def]
    for code in ("fruit", "shampoo", "heater", "clothes"):
        r = client.post("/api/v1/categories", json={"code": code, "name": code}, headers=acct.headers)
        assert r.status_code == 201, r.text


def test_examples_train_the_organizations_model_in_the_background(client):
    acct = make_account(role="manager")
    other = make_account(role="manager")
    _categories(client, acct)
    assert client.get("/api/v1/text/categories/model", headers=acct.headers).status_code == 404
    r = client.post("/api/v1/text/categories/examples", json={"examples": _examples()}, headers=acct.headers)
    assert r.status_code == 202 and r.json() == {"added": 80, "retraining": True}
    drain()
    report = client.get("/api/v1/text/categories/model", headers=acct.headers).json()
    assert report["examples"] == 80 and set(report["categories"]) == {"fruit", "shampoo", "heater", "clothes"}
    assert 0.5 <= report["accuracy"] <= 1 and report["imported_examples"] == 80
    texts = ["洗完头发很顺滑，味道也好闻", "苹果很新鲜，很甜"]
    results = client.post("/api/v1/text/analyze", json={"texts": texts}, headers=acct.headers).json()[
        "results"
    ]
    assert [r["category"] for r in results] == ["shampoo", "fruit"]
    # another organization neither sees nor uses the model
    assert client.get("/api/v1/text/categories/model", headers=other.headers).status_code == 404
    theirs = client.post("/api/v1/text/analyze", json={"texts": texts}, headers=other.headers).json()
    assert [r["category"] for r in theirs["results"]] == [None, None]


def test_examples_must_use_the_organizations_categories(client):
    acct = make_account(role="manager")
    body = {"examples": [{"text": "很甜", "category": "nope"}]}
    r = client.post("/api/v1/text/categories/examples", json=body, headers=acct.headers)
    assert r.status_code == 422 and "unknown categories: nope" in r.json()["error"]["fields"][0]["reason"]
    viewer = make_account(role="viewer", org_slug=acct.org_slug)
    assert (
        client.post("/api/v1/text/categories/examples", json=body, headers=viewer.headers).status_code == 403
    )


def test_triage_uses_the_models_where_no_rule_decides_and_corrections_retrain(client):
    acct = make_account(role="manager")
    _categories(client, acct)
    client.post("/api/v1/text/categories/examples", json={"examples": _examples()}, headers=acct.headers)
    drain()
    fid = client.post(
        "/api/v1/feedback",
        json={"description": "这箱橙子一半都烂掉了，一点也不甜，很失望"},
        headers=acct.headers,
    ).json()["id"]
    drain()
    record = client.get(f"/api/v1/feedback/{fid}", headers=acct.headers).json()
    assert (record["type"], record["sentiment"], record["category"]) == ("complaint", "negative", "fruit")
    timeline = client.get(f"/api/v1/feedback/{fid}/timeline", headers=acct.headers).json()
    because = [e for e in timeline if e["kind"] == "triaged"][0]["data"]["because"]
    assert because["category"] == because["type"] == "model"

    with session_scope() as db:
        trained = db.scalar(select(TextModel.trained_at).where(TextModel.org_id == acct.org_id))
        assert text.orgs_to_retrain(db=db) == []
    r = client.patch(f"/api/v1/feedback/{fid}", json={"category": "shampoo"}, headers=acct.headers)
    assert r.status_code == 200
    assert schedule_retraining() == 1
    drain()
    with session_scope() as db:
        assert db.scalar(select(TextModel.trained_at).where(TextModel.org_id == acct.org_id)) > trained
        assert text.orgs_to_retrain(db=db) == []
    assert client.get("/api/v1/text/categories/model", headers=acct.headers).json()["examples"] == 81


def test_analyze_keeps_the_organizations_rule_keywords_whole(client):
    manager = make_account(role="manager")
    rule = {"name": "Breakfast brand", "match": {"keywords": ["云栖早餐"]}, "sets": {"type": "praise"}}
    assert client.post("/api/v1/triage-rules", json=rule, headers=manager.headers).status_code == 201
    texts = ["云栖早餐的小笼包很好吃"]
    mine = client.post("/api/v1/text/analyze", json={"texts": texts}, headers=manager.headers).json()
    theirs = client.post("/api/v1/text/analyze", json={"texts": texts}, headers=make_account().headers).json()
    assert "云栖早餐" in mine["results"][0]["keywords"]
    assert "云栖早餐" not in theirs["results"][0]["keywords"]
