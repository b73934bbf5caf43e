"""Feedback intake over the REST API: create, idempotency, batch, read, list, search, tenancy."""

import base64
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.factories import make_account
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def count_feedback() -> int:
    with session_scope() as db:
        return db.scalar(select(func.count()).select_from(Feedback)) or 0


def test_create_returns_the_record_with_tracking_code(client):
    acct = make_account()
    body = {
        "description": "1203房间的空调从昨晚就坏了，一直没人来修。",
        "customer_request": "请尽快维修",
        "channel": "hotline",
        "touchpoint": "客房",
        "branch": "杭州西湖店",
        "customer": {"name": "王女士", "email": "Wang@Example.com"},
    }
    r = client.post("/api/v1/feedback", json=body, headers=acct.headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "new"
    assert out["channel"] == "hotline"
    assert out["language"] == "zh"
    assert len(out["tracking_code"]) == 12
    assert out["tracking_url"].endswith(f"/t/{out['tracking_code']}")
    assert out["customer"]["email"] == "wang@example.com"
    received = datetime.fromisoformat(out["received_at"])
    assert received.tzinfo is not None and abs(datetime.now(UTC) - received) < timedelta(minutes=1)

    again = client.get(f"/api/v1/feedback/{out['id']}", headers=acct.headers)
    assert again.status_code == 200
    assert again.json()["description"] == body["description"]


def test_english_text_is_detected_and_received_at_is_kept(client):
    acct = make_account()
    when = "2026-03-01T09:30:00+08:00"
    r = client.post(
        "/api/v1/feedback",
        json={"description": "Breakfast queue was far too long.", "received_at": when},
        headers=acct.headers,
    )
    assert r.status_code == 201
    assert r.json()["language"] == "en"
    assert datetime.fromisoformat(r.json()["received_at"]) == datetime.fromisoformat(when)


def test_idempotency_key_returns_same_record_without_duplicate(client):
    acct = make_account()
    body = {"description": "Wrong charge on my bill"}
    headers = {**acct.headers, "Idempotency-Key": "order-42"}
    first = client.post("/api/v1/feedback", json=body, headers=headers)
    second = client.post("/api/v1/feedback", json=body, headers=headers)
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_feedback() == 1

    clash = client.post("/api/v1/feedback", json={"description": "something else"}, headers=headers)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "conflict"
    assert count_feedback() == 1


def test_idempotency_keys_are_per_organization(client):
    a, b = make_account(), make_account()
    for acct in (a, b):
        r = client.post(
            "/api/v1/feedback",
            json={"description": "hello"},
            headers={**acct.headers, "Idempotency-Key": "same"},
        )
        assert r.status_code == 201
    assert count_feedback() == 2


def test_batch_reports_each_item_and_keeps_the_valid_ones(client):
    acct = make_account()
    items = [{"description": f"item {i}", "channel": "email"} for i in range(5)]
    items[2] = {"description": ""}
    items[3] = {"description": "ok", "channel": "carrier-pigeon"}
    r = client.post("/api/v1/feedback/batch", json={"items": items}, headers=acct.headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["failed"]) == (3, 2)
    results = out["results"]
    assert [x["ok"] for x in results] == [True, True, False, False, True]
    assert results[2]["error"]["fields"][0]["field"] == "description"
    assert results[3]["error"]["fields"][0]["field"] == "channel"
    assert all(x["tracking_code"] for x in results if x["ok"])
    assert count_feedback() == 3


def test_batch_refuses_more_than_1000_items(client):
    acct = make_account()
    r = client.post(
        "/api/v1/feedback/batch", json={"items": [{"description": "x"}] * 1001}, headers=acct.headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "items"
    assert count_feedback() == 0


def test_batch_of_1000_is_written(client):
    acct = make_account()
    items = [
        {"description": f"第{i}条反馈：早餐排队太久", "customer": {"email": f"g{i % 50}@example.com"}}
        for i in range(1000)
    ]
    r = client.post("/api/v1/feedback/batch", json={"items": items}, headers=acct.headers)
    assert r.json()["created"] == 1000
    assert count_feedback() == 1000


def test_list_filters_and_cursor_pagination(client):
    acct = make_account()
    base = datetime(2026, 5, 1, tzinfo=UTC)
    for i in range(7):
        client.post(
            "/api/v1/feedback",
            headers=acct.headers,
            json={
                "description": f"note {i}",
                "channel": "hotline" if i % 2 else "email",
                "received_at": (base + timedelta(days=i)).isoformat(),
            },
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/feedback", params=params, headers=acct.headers).json()
        seen += [x["description"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"note {i}" for i in reversed(range(7))]

    hotline = client.get("/api/v1/feedback", params={"channel": "hotline"}, headers=acct.headers).json()
    assert {x["description"] for x in hotline["items"]} == {"note 1", "note 3", "note 5"}
    window = client.get(
        "/api/v1/feedback",
        headers=acct.headers,
        params={
            "received_from": (base + timedelta(days=2)).isoformat(),
            "received_to": (base + timedelta(days=4)).isoformat(),
        },
    ).json()
    assert [x["description"] for x in window["items"]] == ["note 3", "note 2"]
    bad = client.get("/api/v1/feedback", params={"cursor": "garbage!"}, headers=acct.headers)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "cursor"


def test_full_text_search_in_chinese_and_english(client):
    acct = make_account()
    texts = [
        "1203房间的空调从昨晚就坏了",
        "早餐等位太久了，热菜补得很慢",
        "The Wi-Fi keeps dropping in my room",
        "空气很好，服务周到",
    ]
    for t in texts:
        client.post("/api/v1/feedback", json={"description": t}, headers=acct.headers)

    def search(q: str) -> set[str]:
        items = client.get("/api/v1/feedback", params={"q": q}, headers=acct.headers).json()["items"]
        return {x["description"] for x in items}

    assert search("空调") == {texts[0]}
    assert search("早餐") == {texts[1]}
    assert search("坏了") == {texts[0]}
    assert search("空") == {texts[0], texts[3]}
    assert search("wi-fi room") == {texts[2]}
    assert search("DROPPING") == {texts[2]}
    assert search("空调 早餐") == set()


def test_no_query_crosses_tenants(client):
    a, b = make_account(), make_account()
    mine = client.post(
        "/api/v1/feedback", json={"description": "secret of org A 机密"}, headers=a.headers
    ).json()
    assert client.get(f"/api/v1/feedback/{mine['id']}", headers=b.headers).status_code == 404
    assert client.get("/api/v1/feedback", headers=b.headers).json()["items"] == []
    assert client.get("/api/v1/feedback", params={"q": "机密"}, headers=b.headers).json()["items"] == []


def test_attachment_is_stored_and_listed(client):
    acct = make_account()
    r = client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={
            "description": "photo of the broken AC",
            "attachments": [
                {
                    "filename": "ac.png",
                    "content_type": "image/png",
                    "content_base64": base64.b64encode(PNG).decode(),
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    att = r.json()["attachments"]
    assert att == [{"id": att[0]["id"], "filename": "ac.png", "content_type": "image/png", "size": len(PNG)}]


def test_public_status_endpoint_shows_state_without_token(client):
    acct = make_account()
    code = client.post("/api/v1/feedback", json={"description": "x"}, headers=acct.headers).json()[
        "tracking_code"
    ]
    r = client.get(f"/api/v1/public/status/{code.lower()}")
    assert r.status_code == 200
    assert r.json()["status"] == "new"
    assert [e["kind"] for e in r.json()["timeline"]] == ["received"]
    assert "customer" not in r.json()
    assert client.get("/api/v1/public/status/NOPE").status_code == 404


def test_public_intake_by_org_slug(client):
    acct = make_account()
    r = client.post("/api/v1/public/feedback", json={"org": acct.org_slug, "description": "Lovely stay!"})
    assert r.status_code == 201, r.text
    code = r.json()["tracking_code"]
    listed = client.get("/api/v1/feedback", headers=acct.headers).json()["items"]
    assert [(x["tracking_code"], x["channel"]) for x in listed] == [(code, "web_form")]
    unknown = client.post("/api/v1/public/feedback", json={"org": "no-such-org", "description": "x"})
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"][0]["field"] == "org"


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/feedback",
        "/api/v1/feedback/batch",
        "/api/v1/feedback/{feedback_id}",
        "/api/v1/public/feedback",
    ):
        assert path in doc["paths"]


def test_concurrent_requests_are_all_written_and_keys_settle_once(app):
    """Many requests at once go through the group committer; each key yields one record."""
    import asyncio

    import httpx

    acct = make_account()

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:

            def post(body: dict, key: str | None = None):  # type: ignore[no-untyped-def]
                headers = {**acct.headers, **({"Idempotency-Key": key} if key else {})}
                return c.post("/api/v1/feedback", json=body, headers=headers)

            calls = [post({"description": "same A"}, "A") for _ in range(10)]
            calls += [post({"description": "same B"}, "B") for _ in range(10)]
            calls += [post({"description": f"plain {i}"}) for i in range(10)]
            calls += [post({"description": "first C"}, "C"), post({"description": "other C"}, "C")]
            return list(await asyncio.gather(*calls))

    responses = asyncio.run(run())
    a_ids = {r.json()["id"] for r in responses[:10]}
    b_ids = {r.json()["id"] for r in responses[10:20]}
    assert all(r.status_code == 201 for r in responses[:30])
    assert len(a_ids) == 1 and len(b_ids) == 1
    assert len({r.json()["id"] for r in responses[20:30]}) == 10
    assert sorted(r.status_code for r in responses[30:]) == [201, 409]
    assert count_feedback() == 1 + 1 + 10 + 1
