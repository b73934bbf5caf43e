"""What schemathesis found (faults/fuzz_api.py), kept as tests: each answered 4xx, not 500."""

from tests.factories import make_account


def test_a_nul_character_in_the_query_is_refused_with_400(client):
    acct = make_account(role="admin")
    r = client.get("/api/v1/customers?email=%00r", headers=acct.headers)
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["field"] == "query"


def test_a_nul_character_in_a_body_is_never_a_server_error(client):
    r = client.post("/api/v1/public/feedback", json={"org": "a\u0000b", "description": "空调坏了"})
    assert r.status_code in (404, 422), r.text  # SQLite finds no such organization; PostgreSQL refuses NUL


def test_a_survey_plan_at_an_impossible_confidence_is_refused(client):
    acct = make_account(role="analyst")
    for confidence in ("0.9999999999999999", "5e-324"):
        r = client.get(f"/api/v1/surveys/plan?margin=0.05&confidence={confidence}", headers=acct.headers)
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "confidence"


def test_exact_duplicates_only_at_threshold_one(client):
    acct = make_account(role="agent")
    r = client.post(
        "/api/v1/text/duplicates",
        json={"texts": ["", "房间很吵", "房间很吵", "房间很吵，空调也坏了"], "threshold": 1.0},
        headers=acct.headers,
    )
    assert r.status_code == 200 and r.json()["groups"] == [[1, 2]]


def test_a_customers_name_and_consent_cannot_be_cleared(client):
    acct = make_account(role="admin")
    record = client.post(
        "/api/v1/feedback",
        json={"description": "x", "customer": {"email": "c@example.com"}},
        headers=acct.headers,
    ).json()
    customer = client.get(f"/api/v1/feedback/{record['id']}", headers=acct.headers).json()["customer"]["id"]
    for field in ("name", "contact_email"):
        r = client.patch(f"/api/v1/customers/{customer}", json={field: None}, headers=acct.headers)
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == field
