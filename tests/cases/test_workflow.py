"""Case work: the status state machine, internal notes, the timeline, the customer's say."""

import re

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, make_account
from voxloop.audit.models import AuditEntry
from voxloop.cases import workflow
from voxloop.db import session_scope


def new_case(client, acct, **extra):  # type: ignore[no-untyped-def]
    body = {"description": "空调坏了，没人来修", "customer": {"email": "wang@example.com"}, **extra}
    return client.post("/api/v1/feedback", json=body, headers=acct.headers).json()


def move(client, acct, fid, to, note=None):  # type: ignore[no-untyped-def]
    body = {"to": to, **({"note": note} if note else {})}
    return client.post(f"/api/v1/feedback/{fid}/transitions", json=body, headers=acct.headers)


def test_every_state_can_reach_closed_and_closed_can_reopen():
    for start in workflow.STATES:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in workflow.allowed_next(frontier.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert workflow.CLOSED in seen or start == workflow.CLOSED
    assert workflow.refusal(workflow.CLOSED, workflow.IN_PROGRESS) is None
    assert "cannot go from closed to waiting_customer" in (
        workflow.refusal("closed", "waiting_customer") or ""
    )


def test_a_case_walks_through_the_loop(client):
    agent = make_account(role="agent")
    fid = new_case(client, agent)["id"]
    for to in ("triaged", "in_progress", "waiting_customer", "in_progress", "resolved", "closed"):
        r = move(client, agent, fid, to)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == to
    timeline = client.get(f"/api/v1/feedback/{fid}/timeline", headers=agent.headers).json()
    changes = [(e["data"]["from"], e["data"]["to"]) for e in timeline if e["kind"] == "status_changed"]
    assert changes[0] == ("new", "triaged") and changes[-1] == ("resolved", "closed")
    assert all(e["actor"] == f"api:{agent.email}" for e in timeline if e["kind"] == "status_changed")


def test_an_illegal_transition_is_409_with_the_reason(client):
    agent = make_account(role="agent")
    fid = new_case(client, agent)["id"]
    r = move(client, agent, fid, "waiting_customer")
    assert r.status_code == 409
    reason = r.json()["error"]["fields"][0]
    assert reason["field"] == "to"
    assert "cannot go from new to waiting_customer" in reason["reason"] and "in_progress" in reason["reason"]
    assert move(client, agent, fid, "new").status_code == 409  # already new
    unknown = move(client, agent, fid, "done")
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"][0]["field"] == "to"
    assert client.get(f"/api/v1/feedback/{fid}", headers=agent.headers).json()["status"] == "new"


def test_reopen_after_close_is_recorded(client):
    agent = make_account(role="agent")
    fid = new_case(client, agent)["id"]
    for to in ("resolved", "closed", "in_progress"):
        assert move(client, agent, fid, to).status_code == 200
    kinds = [e["kind"] for e in client.get(f"/api/v1/feedback/{fid}/timeline", headers=agent.headers).json()]
    assert kinds[-1] == "reopened"


def test_notes_are_internal(client):
    agent = make_account(role="handler")
    case = new_case(client, agent)
    r = client.post(
        f"/api/v1/feedback/{case['id']}/notes",
        json={"text": "客人在1203，工程部已派人"},
        headers=agent.headers,
    )
    assert r.status_code == 201
    assert r.json()[-1]["kind"] == "note" and r.json()[-1]["data"]["text"] == "客人在1203，工程部已派人"
    move(client, agent, case["id"], "in_progress", note="checked the compressor")
    public = client.get(f"/api/v1/public/status/{case['tracking_code']}").json()
    assert [e["kind"] for e in public["timeline"]] == ["received", "status_changed"]
    assert "客人在1203" not in str(public) and "compressor" not in str(
        public
    )  # not a time that happens to read 1203
    empty = client.post(f"/api/v1/feedback/{case['id']}/notes", json={"text": "  "}, headers=agent.headers)
    assert empty.status_code == 422


def test_transitions_are_audited(client):
    agent = make_account(role="agent")
    fid = new_case(client, agent)["id"]
    move(client, agent, fid, "in_progress")
    with session_scope() as db:
        entry = db.scalar(
            select(AuditEntry).where(AuditEntry.entity == "feedback", AuditEntry.action == "update")
        )
    assert entry is not None and (entry.before, entry.after) == ({"status": "new"}, {"status": "in_progress"})


def test_roles_and_tenants_are_enforced(client):
    agent = make_account(role="agent")
    fid = new_case(client, agent)["id"]
    viewer = make_account(role="viewer", org_slug=agent.org_slug)
    assert move(client, viewer, fid, "in_progress").status_code == 403
    stranger = make_account(role="admin")
    assert move(client, stranger, fid, "in_progress").status_code == 404
    assert client.get(f"/api/v1/feedback/{fid}/timeline", headers=stranger.headers).status_code == 404


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@pytest.fixture
def signed_in_agent(client):  # type: ignore[no-untyped-def]
    agent = make_account(role="agent")
    token = csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"email": agent.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return agent


def test_staff_change_status_and_add_notes_on_the_detail_page(client, signed_in_agent):
    agent = signed_in_agent
    fid = new_case(client, agent)["id"]
    page = client.get(f"/feedback/{fid}")
    assert f'action="/feedback/{fid}/status"' in page.text
    token = csrf(page.text)
    assert client.post(f"/feedback/{fid}/status", data={"to": "in_progress"}).status_code == 403  # no CSRF
    r = client.post(
        f"/feedback/{fid}/status",
        data={"to": "in_progress", "note": "on my way", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/feedback/{fid}/notes", data={"text": "<b>bold?</b>", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    detail = client.get(f"/feedback/{fid}").text
    assert "on my way" in detail and "&lt;b&gt;bold?&lt;/b&gt;" in detail
    bad = client.post(f"/feedback/{fid}/status", data={"to": "new", "csrf_token": token})
    assert bad.status_code == 409 and "cannot go from in_progress to new" in bad.text


def test_customer_confirms_or_reopens_on_the_tracking_page(client):
    agent = make_account(role="agent")
    case = new_case(client, agent)
    code = case["tracking_code"]
    page = client.get(f"/t/{code}")
    assert "/confirm" not in page.text  # nothing to confirm yet
    token = csrf(client.get("/login").text)  # the page has no form yet; the session's token is the same
    assert client.post(f"/t/{code}/confirm", data={"csrf_token": token}).status_code == 409

    move(client, agent, case["id"], "resolved")
    page = client.get(f"/t/{code}")
    assert f'action="/t/{code}/confirm"' in page.text and f'action="/t/{code}/reopen"' in page.text
    assert client.post(f"/t/{code}/reopen").status_code == 403  # no CSRF token
    r = client.post(f"/t/{code}/reopen", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert (
        client.get(f"/api/v1/feedback/{case['id']}", headers=agent.headers).json()["status"] == "in_progress"
    )

    move(client, agent, case["id"], "resolved")
    page = client.get(f"/t/{code}")
    client.post(f"/t/{code}/confirm", data={"csrf_token": csrf(page.text)})
    assert client.get(f"/api/v1/feedback/{case['id']}", headers=agent.headers).json()["status"] == "closed"
    timeline = client.get(f"/api/v1/feedback/{case['id']}/timeline", headers=agent.headers).json()
    assert [e["actor"] for e in timeline if e["kind"] in ("reopened", "status_changed")][-1] == "customer"
    assert client.post(f"/t/{code}/explode", data={"csrf_token": csrf(page.text)}).status_code == 404


def test_customer_adds_information_on_the_tracking_page(client):
    agent = make_account(role="agent")
    case = new_case(client, agent)
    code = case["tracking_code"]
    move(client, agent, case["id"], "resolved")
    page = client.get(f"/t/{code}")
    r = client.post(
        f"/t/{code}/message",
        data={"text": "还是不行，空调又坏了", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "还是不行" in client.get(f"/t/{code}").text
    after = client.get(f"/api/v1/feedback/{case['id']}", headers=agent.headers).json()
    assert after["status"] == "in_progress"  # a message on a resolved case reopens it
    timeline = client.get(f"/api/v1/feedback/{case['id']}/timeline", headers=agent.headers).json()
    said = [e for e in timeline if e["kind"] == "customer_message"][0]
    assert (
        said["data"] == {"text": "还是不行，空调又坏了", "via": "tracking_page"}
        and said["actor"] == "customer"
    )
    empty = client.post(f"/t/{code}/message", data={"text": "  ", "csrf_token": csrf(page.text)})
    assert empty.status_code == 422
