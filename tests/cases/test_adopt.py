"""S3: an adopted suggestion is recorded on its case with the points its customer is rewarded
with, on the staff timeline and the customer's tracking page; once, for suggestions only."""

from sqlalchemy import update

from tests.factories import make_account
from tests.web.test_pages import EN, csrf_of, login
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback


def _record(client, acct, kind: str) -> dict:  # type: ignore[no-untyped-def]
    created = client.post(
        "/api/v1/feedback",
        json={"description": "Please add late check-out for members.", "customer": {"email": "z@g.example"}},
        headers=acct.headers,
    ).json()
    with session_scope() as db:  # as triage or a person's correction would have it
        db.execute(update(Feedback).where(Feedback.id == created["id"]).values(type=kind))
        db.commit()
    return created


def test_a_suggestion_is_adopted_once_with_its_points(client):
    admin = make_account(role="admin")
    agent = make_account(role="agent", org_slug=admin.org_slug, email="agent@hotel.example")
    suggestion, complaint = _record(client, admin, "suggestion"), _record(client, admin, "complaint")
    login(client, agent.email)
    page = client.get(f"/feedback/{suggestion['id']}", headers=EN).text
    assert "Adopt the suggestion" in page
    assert "Adopt the suggestion" not in client.get(f"/feedback/{complaint['id']}", headers=EN).text
    token = csrf_of(page)

    bad = client.post(f"/feedback/{suggestion['id']}/adopt", data={"points": "lots", "csrf_token": token})
    assert bad.status_code == 422 and "points" in bad.text
    wrong = client.post(f"/feedback/{complaint['id']}/adopt", data={"points": "10", "csrf_token": token})
    assert wrong.status_code == 422 and "type" in wrong.text

    done = client.post(
        f"/feedback/{suggestion['id']}/adopt",
        data={"points": "500", "note": "Members may stay until 2 pm.", "csrf_token": token},
    )
    assert done.status_code in (200, 303)
    page = client.get(f"/feedback/{suggestion['id']}", headers=EN).text
    assert "Suggestion adopted" in page and "500 points" in page and "Adopt the suggestion" not in page
    again = client.post(f"/feedback/{suggestion['id']}/adopt", data={"points": "5", "csrf_token": token})
    assert again.status_code == 409
    tracking = client.get(f"/t/{suggestion['tracking_code']}", headers={"Accept-Language": "zh-CN"}).text
    assert "建议已采纳" in tracking and "500 积分" in tracking and "Members may stay until 2 pm." in tracking


def test_the_api_adopts_a_suggestion_once(client):
    admin = make_account(role="admin")
    suggestion = _record(client, admin, "suggestion")
    url = f"/api/v1/feedback/{suggestion['id']}/adoption"
    bad = client.post(url, json={"points": -1}, headers=admin.headers)
    assert bad.status_code == 422 and "points" in bad.text
    done = client.post(url, json={"points": 200, "note": "From next month."}, headers=admin.headers)
    assert done.status_code == 201, done.text
    [adopted] = [e for e in done.json() if e["kind"] == "adopted"]
    assert adopted["data"] == {"points": 200, "text": "From next month."}
    assert client.post(url, json={"points": 1}, headers=admin.headers).status_code == 409
