"""A number a page's form sends (an id, a count of days, minutes, a survey page) is checked
before use: text, '²' (a digit to str.isdigit, not to int), a sign or a number no row can
have is a 422 naming the field, never a 500. faults/fuzz_forms.py found each of these."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_account
from tests.web.test_pages import EN, create, csrf_of, login, new_client


@pytest.fixture
def signed_in(client: TestClient) -> dict[str, Any]:
    admin = make_account(role="admin")
    browser = new_client(client)
    login(browser, admin.email)
    record = create(client, admin, description="空调坏了")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=admin.headers).json()
    assert client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=admin.headers).status_code == 200
    user = client.get("/api/v1/users", headers=admin.headers).json()[0]
    return {"browser": browser, "feedback": record["id"], "survey": survey, "user": user["id"]}


# (path, the fields sent, the field the answer must name)
CASES = [
    (
        "/admin/users",
        {"email": "new@example.com", "password": "a-long-password-1", "role": "agent", "department_id": "²"},
        "department_id",
    ),  # fmt: skip
    ("/admin/users/{user}", {"role": "admin", "department_id": "' OR 1=1 --"}, "department_id"),
    ("/feedback/{feedback}/assignment", {"assignee_id": "²"}, "assignee_id"),
    ("/feedback/{feedback}/assignment", {"department_id": "99999999999999999999"}, "department_id"),
    ("/surveys/{survey_id}/reminders", {"remind_after_days": "²"}, "remind_after_days"),
    ("/admin/commitments", {"name": "Reply", "first_response_minutes": "²"}, "first_response_minutes"),
    ("/admin/commitments", {"name": "Reply", "priority": "²", "first_response_minutes": "60"}, "priority"),
    ("/admin/routing", {"name": "Desk", "priority": "²", "department_id": "²"}, "department_id"),
]


@pytest.mark.parametrize(("path", "data", "field"), CASES, ids=[f"{p} {f}" for p, _, f in CASES])
def test_a_number_no_form_offers_is_a_422_naming_the_field(signed_in, path, data, field):
    browser = signed_in["browser"]
    url = path.format(
        feedback=signed_in["feedback"], survey_id=signed_in["survey"]["id"], user=signed_in["user"]
    )
    token = csrf_of(browser.get("/inbox", headers=EN).text)
    r = browser.post(url, data={**data, "csrf_token": token}, headers=EN, follow_redirects=False)
    assert r.status_code == 422, r.text[:500]
    assert field in r.text


def test_a_filter_that_is_no_id_is_a_422_on_the_report(signed_in):
    browser = signed_in["browser"]
    for query in ({"department_id": "²"}, {"metric": "nps", "survey_id": "²"}):
        r = browser.get("/reports/trends", params=query, headers=EN)
        assert r.status_code == 422, (query, r.text[:300])
        assert next(iter(query.keys() - {"metric"})) in r.text


def test_a_survey_page_number_that_is_no_number_is_a_422_and_a_bad_start_time_is_ignored(client):
    h = make_account(role="admin").headers
    created = client.post("/api/v1/surveys", json={"template": "nps"}, headers=h).json()
    assert client.post(f"/api/v1/surveys/{created['id']}/publish", headers=h).status_code == 200
    key = created["key"]
    for page, status in (("abc", 422), ("-1", 422), ("²", 422)):
        token = csrf_of(client.get(f"/s/{key}").text)
        r = client.post(
            f"/s/{key}", data={"csrf_token": token, "page": page, "nps": "9"}, follow_redirects=False
        )
        assert r.status_code == status, (page, r.text[:300])
        assert "page" in r.text
    token = csrf_of(client.get(f"/s/{key}").text)
    r = client.post(
        f"/s/{key}", data={"csrf_token": token, "started": "²", "nps": "9"}, follow_redirects=False
    )
    assert r.status_code < 400, r.text[:300]
    assert len(client.get(f"/api/v1/surveys/{created['id']}/responses", headers=h).json()) == 1
