"""In-place updates (htmx): the record page's assignment, status change and one-click type
correction, and the inbox's filters, answer a request htmx sent (`HX-Request`) with the parts of
the page that changed instead of the whole page; the same forms without script still redirect."""

import re

from sqlalchemy import select

from tests.factories import make_account
from tests.web.test_pages import EN, create, csrf_of, listed_ids, login, new_client
from tests.web.test_triage_pages import AIRCON, ZH, dd
from voxloop.audit.models import AuditEntry
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.triage.models import TriageLabel

HX = {"HX-Request": "true"}
LAYOUT = ("<html", '<nav class="side"', "<body")


def swapped(html: str) -> set[str]:
    """The ids of the parts an answer swaps in by id (hx-swap-oob)."""
    tags = re.findall(r"<[a-z]+ [^>]*hx-swap-oob=\"true\"[^>]*>", html)
    return {m.group(1) for tag in tags if (m := re.search(r'id="([\w-]+)"', tag))}


def test_assignment_status_and_one_click_type_answer_htmx_with_the_changed_parts(client):
    admin = make_account()
    agent = make_account(role="agent", org_slug=admin.org_slug, email="li@hotel.example")
    fid = create(client, admin, description=AIRCON)["id"]
    drain()
    login(client, agent.email)
    page = client.get(f"/feedback/{fid}", headers=EN).text
    token = csrf_of(page)
    assert re.search(r'<small class="confidence confidence-(model|rule)">', page)
    one_click = re.search(r'<form [^>]*class="one-click"[^>]*>(.*?)</form>', page, re.S)
    assert one_click and f'hx-post="/feedback/{fid}/classification"' in one_click.group(0)
    offered = re.findall(r'name="type" value="(\w+)"', one_click.group(1))
    assert sorted(offered) == ["inquiry", "other", "praise", "suggestion"]  # all but complaint

    # assign: the case (owner) and the rest come back, each to be swapped in by its id
    r = client.post(
        f"/feedback/{fid}/assignment",
        data={"assignee_id": str(agent.user_id), "csrf_token": token},
        headers={**HX, **EN},
    )
    assert r.status_code == 200, r.text
    assert not any(mark in r.text for mark in LAYOUT)
    assert swapped(r.text) == {
        "record-summary", "record-adopt", "record-status", "record-timeline", "record-case",
        "record-classification",
    }  # fmt: skip
    assert 'class="case-assignee">User' in r.text
    owner = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["assignee"]
    assert owner["id"] == agent.user_id

    # status: the heading and the timeline say it at once
    r = client.post(
        f"/feedback/{fid}/status",
        data={"to": "in_progress", "note": "", "csrf_token": token},
        headers={**HX, **ZH},
    )
    assert r.status_code == 200, r.text
    assert not any(mark in r.text for mark in LAYOUT)
    summary = re.search(r'<div id="record-summary".*?</div>', r.text, re.S)
    assert summary and "处理中" in summary.group(0)
    assert "状态变更" in r.text  # the timeline's new event
    assert client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["status"] == "in_progress"

    # one click on "suggestion": the service's correction, with its training label and audit
    r = client.post(
        f"/feedback/{fid}/classification",
        data={"type": "suggestion", "csrf_token": token},
        headers={**HX, **EN},
    )
    assert r.status_code == 200, r.text
    assert not any(mark in r.text for mark in LAYOUT)
    assert dd(r.text, "triage-type") == "Suggestion"
    assert '<small class="confidence confidence-person">confirmed by a person</small>' in r.text
    assert 'name="type" value="complaint"' in r.text and 'name="type" value="suggestion"' not in r.text
    assert f'action="/feedback/{fid}/adopt"' in r.text  # a suggestion may now be adopted
    assert client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["type"] == "suggestion"
    with session_scope() as db:
        labels = db.scalars(select(TriageLabel).where(TriageLabel.feedback_id == fid)).all()
        assert [(x.field, x.previous, x.value) for x in labels] == [("type", "complaint", "suggestion")]
        audited = db.scalars(
            select(AuditEntry).where(AuditEntry.entity == "feedback", AuditEntry.entity_id == fid)
        ).all()
        assert any(a.after == {"type": "suggestion"} for a in audited)


def test_the_same_forms_without_htmx_still_redirect_to_the_record(client):
    admin = make_account()
    fid = create(client, admin, description=AIRCON)["id"]
    drain()
    login(client, admin.email)
    token = csrf_of(client.get(f"/feedback/{fid}").text)
    for action, data in (
        ("assignment", {"assignee_id": str(admin.user_id)}),
        ("status", {"to": "in_progress"}),
        ("classification", {"type": "inquiry"}),
    ):
        r = client.post(
            f"/feedback/{fid}/{action}", data={**data, "csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == f"/feedback/{fid}", (action, r.text)
    body = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()
    assert body["assignee"]["id"] == admin.user_id
    assert (body["status"], body["type"]) == ("in_progress", "inquiry")


def test_a_refused_htmx_change_shows_the_error_page_in_place_of_the_whole_page(client):
    admin = make_account()
    fid = create(client, admin, description=AIRCON)["id"]
    drain()
    login(client, admin.email)
    r = client.post(
        f"/feedback/{fid}/classification", data={"type": "praise", "csrf_token": "stale"}, headers=HX
    )
    assert r.status_code == 403
    assert r.headers["HX-Retarget"] == "body" and r.headers["HX-Reswap"] == "innerHTML"
    assert client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["type"] == "complaint"
    # signed out meanwhile: htmx is told to go to the sign-in page, not to swap it in
    signed_out = new_client(client).get("/inbox", headers=HX, follow_redirects=False)
    assert signed_out.headers["HX-Redirect"] == "/login?next=/inbox"


def test_the_inbox_filter_answers_htmx_with_the_results_and_the_quick_filters(client):
    admin = make_account()
    praise = create(client, admin, description="The breakfast staff were wonderful, thank you!")["id"]
    complaint = create(client, admin, description=AIRCON)["id"]
    drain()
    login(client, admin.email)

    r = client.get("/inbox?q=&type=praise", headers={**HX, **EN})
    assert r.status_code == 200 and "HX-Request" in r.headers["Vary"]
    assert not any(mark in r.text for mark in LAYOUT)
    assert r.text.lstrip().startswith('<div id="inbox-results">')
    assert swapped(r.text) == {"inbox-quick"}
    assert listed_ids(r.text) == {praise}
    assert 'href="/inbox?type=praise&amp;owner=me"' in r.text  # the quick filters keep the filter

    whole = client.get("/inbox?q=&type=praise", headers=EN)
    assert "<html" in whole.text and 'hx-get="/inbox"' in whole.text and listed_ids(whole.text) >= {praise}
    assert complaint not in listed_ids(whole.text)
    # going back in history asks for the whole page again
    back = client.get("/inbox?type=praise", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in back.text
