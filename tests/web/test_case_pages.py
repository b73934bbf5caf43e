"""Case work on the detail page: who owns the case, the next deadline, replying to the
customer, reassigning; the timeline keeps it all."""

from datetime import UTC, datetime

from tests.factories import make_account
from tests.web.test_pages import EN, csrf_of, login
from voxloop.jobs.executor import drain


def test_the_detail_page_shows_owner_and_deadline_and_replies_and_reassigns(client, clock, smtp):
    admin = make_account(role="admin")
    dept = client.post("/api/v1/departments", json={"name": "工程部"}, headers=admin.headers).json()
    agent = make_account(role="agent", org_slug=admin.org_slug, email="a@hotel.example")
    other = make_account(role="agent", org_slug=admin.org_slug, email="b@hotel.example")
    for a in (agent, other):
        client.patch(f"/api/v1/users/{a.user_id}", json={"department_id": dept["id"]}, headers=admin.headers)
    client.post(
        "/api/v1/routing-rules",
        json={"name": "facilities", "match": {"category": ["facilities"]}, "department_id": dept["id"]},
        headers=admin.headers,
    )
    clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 17:00 in Shanghai
    fid = client.post(
        "/api/v1/feedback",
        json={
            "description": "The air conditioning in 1203 is broken",
            "customer": {"email": "g@example.com"},
        },
        headers=admin.headers,
    ).json()["id"]
    drain()
    login(client, agent.email)
    page = client.get(f"/feedback/{fid}", headers=EN).text
    owner = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["assignee"]
    assert owner["id"] == agent.user_id
    assert "工程部" in page and f'class="case-assignee">{owner["name"]}<' in page
    assert 'class="case-due"' in page and "Nov 30, 2026" in page  # Monday, across the weekend
    token = csrf_of(page)
    r = client.post(
        f"/feedback/{fid}/reply", data={"text": "An engineer is on the way.", "csrf_token": token}
    )
    assert r.status_code in (200, 303)
    drain()
    assert any("engineer is on the way" in m.get_body().get_content() for m in smtp.wait_for(2))
    r = client.post(
        f"/feedback/{fid}/assignment", data={"assignee_id": str(other.user_id), "csrf_token": token}
    )
    assert r.status_code in (200, 303)
    case = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()
    assert case["assignee"]["id"] == other.user_id and case["steps"]["response"] == "met"
    page = client.get(f"/feedback/{fid}", headers=EN).text
    assert "An engineer is on the way." in page and "Reply to the customer" in page
    bad = client.post(f"/feedback/{fid}/assignment", data={"assignee_id": "abc", "csrf_token": token})
    assert bad.status_code == 422
