"""Triage in the pages: the classification on the detail page and its correction, the inbox's
type column and filter, and the triage rules admin page."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import make_account
from tests.web.test_pages import create, csrf_of, listed_ids, login, new_client
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.triage.models import TriageLabel, TriageRule

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
AIRCON = "1203房间的空调坏了，没人来修，请马上处理"


def signed_in(client: TestClient, role: str, org_slug: str) -> tuple[TestClient, str]:
    """A browser signed in as a new user with this role; returns it with a CSRF token."""
    acct = make_account(role=role, org_slug=org_slug)
    browser = new_client(client)
    login(browser, acct.email)
    return browser, csrf_of(browser.get("/inbox").text)


def dd(html: str, css_class: str) -> str:
    m = re.search(rf'<dd class="{css_class}">(.*?)</dd>', html, re.S)
    assert m, f"no <dd class={css_class!r}> in the page"
    return m.group(1).strip()


def table_body(html: str) -> str:
    m = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert m, "no table in the page"
    return m.group(1)


# Detail page


def test_detail_page_shows_the_classification_in_chinese_with_the_priority(client):
    admin = make_account()
    fid = create(client, admin, description=AIRCON)["id"]
    login(client, admin.email)

    before = client.get(f"/feedback/{fid}", headers=ZH).text
    assert "尚未分类" in before and "triage-type" not in before  # not triaged until the task runs

    drain()
    html = client.get(f"/feedback/{fid}", headers=ZH).text
    assert dd(html, "triage-type") == "投诉"
    assert dd(html, "triage-category") == "环境与设施"
    assert "负面" in html  # sentiment
    assert 'class="priority priority-2">P2<' in html  # severity 2 (complaint) x urgency 3 (马上)
    assert 'class="flag' not in html

    english = client.get(f"/feedback/{fid}", headers=EN).text
    assert dd(english, "triage-type") == "Complaint"
    assert dd(english, "triage-category") == "Environment and facilities"


def test_flagged_feedback_shows_a_badge_with_the_reason(client):
    admin = make_account()
    spam = "便宜房间 http://a.example http://b.example http://c.example"
    fid = create(client, admin, description=spam)["id"]
    drain()
    login(client, admin.email)
    html = client.get(f"/feedback/{fid}", headers=ZH).text
    assert re.search(r'<mark class="flag flag-spam"[^>]*>垃圾信息</mark>', html)
    assert "3 links" in html
    inbox = client.get("/inbox", headers=ZH).text
    assert "flag-spam" in inbox


def test_an_agent_corrects_the_category_and_a_training_label_is_kept(client):
    admin = make_account()
    fid = create(client, admin, description=AIRCON)["id"]
    drain()
    agent, token = signed_in(client, "agent", admin.org_slug)
    form = agent.get(f"/feedback/{fid}").text
    assert f'action="/feedback/{fid}/classification"' in form
    assert '<option value="service_attitude"' in form

    r = agent.post(
        f"/feedback/{fid}/classification",
        data={"csrf_token": token, "type": "complaint", "category": "service_attitude", "severity": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/feedback/{fid}"

    body = client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()
    assert body["category"] == "service_attitude"
    assert body["type"] == "complaint" and body["severity"] == 2  # untouched
    with session_scope() as db:
        labels = db.scalars(select(TriageLabel).where(TriageLabel.feedback_id == fid)).all()
        assert [(x.field, x.previous, x.value) for x in labels] == [
            ("category", "facilities", "service_attitude")
        ]
    assert dd(agent.get(f"/feedback/{fid}", headers=ZH).text, "triage-category") == "服务态度"


def test_a_correction_with_an_unknown_value_is_refused(client):
    admin = make_account()
    fid = create(client, admin, description=AIRCON)["id"]
    drain()
    agent, token = signed_in(client, "agent", admin.org_slug)
    r = agent.post(
        f"/feedback/{fid}/classification",
        data={"csrf_token": token, "category": "no_such_category"},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["category"] == "facilities"


def test_a_viewer_cannot_correct_and_sees_no_form(client):
    admin = make_account()
    fid = create(client, admin, description=AIRCON)["id"]
    drain()
    viewer, token = signed_in(client, "viewer", admin.org_slug)
    page = viewer.get(f"/feedback/{fid}", headers=ZH).text
    assert dd(page, "triage-type") == "投诉"  # viewers see the classification
    assert "/classification" not in page
    r = viewer.post(
        f"/feedback/{fid}/classification",
        data={"csrf_token": token, "category": "service_attitude"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert client.get(f"/api/v1/feedback/{fid}", headers=admin.headers).json()["category"] == "facilities"


# Inbox


def test_inbox_shows_type_and_priority_and_filters_by_type(client):
    admin = make_account()
    complaint = create(client, admin, description=AIRCON)["id"]
    praise = create(client, admin, description="前台小王服务非常好，谢谢")["id"]
    login(client, admin.email)
    untriaged = table_body(client.get("/inbox", headers=ZH).text)
    assert "投诉" not in untriaged and "priority-" not in untriaged  # empty until triaged

    drain()
    html = table_body(client.get("/inbox", headers=ZH).text)
    assert "投诉" in html and "表扬" in html and ">P2<" in html and ">P4<" in html
    assert listed_ids(client.get("/inbox?type=complaint").text) == {complaint}
    assert listed_ids(client.get("/inbox?type=praise").text) == {praise}
    assert listed_ids(client.get("/inbox?type=").text) == {complaint, praise}
    assert '<option value="praise" selected>' in client.get("/inbox?type=praise").text


# Triage rules admin page


def test_a_manager_adds_tests_and_deletes_a_rule(client):
    admin = make_account()
    manager, token = signed_in(client, "manager", admin.org_slug)
    assert 'href="/admin/triage"' in manager.get("/inbox").text

    page = manager.get("/admin/triage", headers=ZH).text
    assert "Facilities" in page  # a default rule
    assert "环境与设施" in page and "Environment and facilities" in page  # the categories
    with session_scope() as db:  # start from no rules, so the defaults cannot answer the sample
        for default in db.scalars(select(TriageRule).where(TriageRule.org_id == admin.org_id)):
            db.delete(default)
        db.commit()

    r = manager.post(
        "/admin/triage",
        data={
            "csrf_token": token,
            "name": "泳池水质",
            "keywords": "泳池， 游泳池,",
            "pattern": "",
            "channel": "",
            "type": "complaint",
            "category": "facilities",
            "sentiment": "",
            "severity": "",
            "urgency": "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/triage"
    with session_scope() as db:
        rule = db.scalars(
            select(TriageRule).where(TriageRule.org_id == admin.org_id, TriageRule.name == "泳池水质")
        ).one()
        assert rule.match == {"keywords": ["泳池", "游泳池"]}
        assert rule.sets == {"type": "complaint", "category": "facilities"}
        rule_id = rule.id

    listed = manager.get("/admin/triage", headers=ZH).text
    row = re.search(rf'<tr id="rule-{rule_id}">(.*?)</tr>', listed, re.S)
    assert row, "the new rule is not listed"
    assert "泳池水质" in row.group(1) and "泳池, 游泳池" in row.group(1)
    assert "投诉" in row.group(1) and "环境与设施" in row.group(1)

    tested = manager.get("/admin/triage", params={"sample": "泳池水太浑"}, headers=ZH).text
    because = re.findall(r'<td class="because">(.*?)</td>', tested, re.S)
    assert because, "no sample result shown"
    assert because[:2] == ["泳池水质", "泳池水质"]  # type and category
    assert ">投诉<" in tested and ">环境与设施<" in tested
    assert ">P3<" in tested  # a complaint starts at medium severity
    unmatched = manager.get("/admin/triage", params={"sample": "早餐很好吃"}, headers=ZH).text
    assert "泳池水质" not in re.findall(r'<td class="because">(.*?)</td>', unmatched, re.S)

    r = manager.post(f"/admin/triage/{rule_id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with session_scope() as db:
        assert db.get(TriageRule, rule_id) is None
    assert f'id="rule-{rule_id}"' not in manager.get("/admin/triage").text


def test_a_rule_without_conditions_is_refused_with_the_reason(client):
    admin = make_account()
    manager, token = signed_in(client, "manager", admin.org_slug)
    with session_scope() as db:
        before = len(db.scalars(select(TriageRule).where(TriageRule.org_id == admin.org_id)).all())
    r = manager.post(
        "/admin/triage",
        data={"csrf_token": token, "name": "Nothing to match", "keywords": " ， ", "type": "complaint"},
        headers=EN,
    )
    assert r.status_code == 422
    assert "give at least one condition" in r.text
    assert 'value="Nothing to match"' in r.text  # the form keeps what was typed
    with session_scope() as db:
        assert len(db.scalars(select(TriageRule).where(TriageRule.org_id == admin.org_id)).all()) == before


def test_agents_cannot_manage_rules(client):
    admin = make_account()
    agent, token = signed_in(client, "agent", admin.org_slug)
    assert 'href="/admin/triage"' not in agent.get("/inbox").text
    assert agent.get("/admin/triage").status_code == 403
    r = agent.post(
        "/admin/triage",
        data={"csrf_token": token, "name": "x", "keywords": "泳池", "type": "complaint"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    with session_scope() as db:
        rule_id = db.scalars(select(TriageRule.id).where(TriageRule.org_id == admin.org_id)).first()
    r = agent.post(f"/admin/triage/{rule_id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    with session_scope() as db:
        assert db.get(TriageRule, rule_id) is not None


def test_a_manager_adds_a_category_of_the_organizations_own_on_the_triage_page(client):
    admin = make_account()
    manager, token = signed_in(client, "manager", admin.org_slug)
    form = {"csrf_token": token, "code": "minibar", "name": "迷你吧", "name_en": "Minibar"}
    r = manager.post("/admin/triage/categories", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/triage#categories"
    listed = manager.get("/admin/triage", headers=ZH).text
    categories = re.search(r'<table class="striped categories">(.*?)</table>', listed, re.S)
    assert categories and "<code>minibar</code>" in categories.group(1) and "迷你吧" in categories.group(1)
    # rules and the learned model may set it now
    assert '<option value="minibar" >迷你吧</option>' in listed
    assert "minibar" in manager.get("/admin/categories/model", headers=ZH).text

    again = manager.post("/admin/triage/categories", data=form, headers=EN)
    assert again.status_code == 409 and "<code>code</code>: taken" in again.text
    bad = manager.post("/admin/triage/categories", data={**form, "code": "Mini Bar"}, headers=EN)
    assert bad.status_code == 422 and "lower-case letters" in bad.text
    assert 'name="code" required maxlength="40"' in bad.text and 'value="Mini Bar"' in bad.text  # kept
    agent, agent_token = signed_in(client, "agent", admin.org_slug)
    refused = agent.post("/admin/triage/categories", data={**form, "csrf_token": agent_token, "code": "spa"})
    assert refused.status_code == 403
