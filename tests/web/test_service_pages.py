"""Managers' pages for routing rules, calendars and commitments; the public commitments page."""

from tests.factories import make_account
from tests.web.test_pages import EN, csrf_of, login


def test_manager_adds_a_routing_rule_and_tests_it_on_the_page(client):
    manager = make_account(role="manager")
    dept = client.post(
        "/api/v1/departments",
        json={"name": "工程部"},
        headers=make_account(role="admin", org_slug=manager.org_slug).headers,
    ).json()
    login(client, manager.email)
    token = csrf_of(client.get("/admin/routing", headers=EN).text)
    r = client.post(
        "/admin/routing",
        data={
            "name": "Facilities",
            "department_id": str(dept["id"]),
            "strategy": "least_loaded",
            "category": "facilities",
            "keywords": "空调，热水",
            "csrf_token": token,
        },
    )
    assert r.status_code in (200, 303)
    rule = client.get("/api/v1/routing-rules", headers=manager.headers).json()[0]
    assert (
        rule["match"] == {"category": ["facilities"], "keywords": ["空调", "热水"]}
        and rule["strategy"] == "least_loaded"
    )
    page = client.get("/admin/routing?text=空调坏了&category=facilities", headers=EN).text
    assert 'class="routing-test"' in page and "<strong>Facilities</strong> → 工程部" in page
    bad = client.post(
        "/admin/routing",
        data={"name": "x", "department_id": str(dept["id"]), "csrf_token": token},
        headers=EN,
    )
    assert bad.status_code == 422 and "needs at least one condition" in bad.text


def test_manager_edits_the_calendar_and_adds_a_commitment(client):
    manager = make_account(role="manager")
    login(client, manager.email)
    page = client.get("/admin/commitments", headers=EN).text
    token = csrf_of(page)
    cal = client.get("/api/v1/calendars", headers=manager.headers).json()[0]
    form = {f"hours_{d}": "09:00-12:00, 13:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    r = client.post(
        f"/admin/calendars/{cal['id']}",
        data={
            **form,
            "time_zone": "Asia/Shanghai",
            "country": "cn",
            "extra_holidays": "2026-12-24",
            "csrf_token": token,
        },
    )
    assert r.status_code in (200, 303)
    saved = client.get("/api/v1/calendars", headers=manager.headers).json()[0]["rules"]
    assert (
        saved["country"] == "CN" and saved["extra_holidays"] == ["2026-12-24"] and saved["hours"]["sat"] == []
    )
    empty = client.post(
        f"/admin/calendars/{cal['id']}", data={"time_zone": "Asia/Shanghai", "csrf_token": token}, headers=EN
    )
    assert empty.status_code == 422 and "a calendar needs working hours" in empty.text
    r = client.post(
        "/admin/commitments",
        data={
            "name": "VIP 热线",
            "calendar_id": str(cal["id"]),
            "channel": "hotline",
            "priority": ["1", "2"],
            "first_response_minutes": "30",
            "resolution_minutes": "240",
            "remedies": ["compensation", "callback"],
            "is_public": "1",
            "csrf_token": token,
        },
    )
    assert r.status_code in (200, 303)
    made = [
        c
        for c in client.get("/api/v1/commitments", headers=manager.headers).json()
        if c["name"] == "VIP 热线"
    ][0]
    assert (
        made["match"] == {"channel": ["hotline"], "priority": [1, 2]} and made["first_response_minutes"] == 30
    )
    assert made["remedies"] == ["compensation", "callback"]
    r = client.post(
        f"/admin/commitments/{made['id']}/remedies",
        data={"remedies": ["apology", "voucher"], "csrf_token": token},
    )
    assert r.status_code in (200, 303)
    listed = client.get("/api/v1/commitments", headers=manager.headers).json()
    assert next(c for c in listed if c["id"] == made["id"])["remedies"] == ["apology", "voucher"]
    assert 'value="voucher" checked' in client.get("/admin/commitments", headers=EN).text
    bad = client.post(
        "/admin/commitments",
        data={"name": "x", "calendar_id": str(cal["id"]), "resolution_minutes": "-5", "csrf_token": token},
        headers=EN,
    )
    assert bad.status_code == 422 and "resolution_minutes" in bad.text
    agent = make_account(role="agent", org_slug=manager.org_slug)
    login(client, agent.email)
    assert client.get("/admin/commitments").status_code == 403


def test_the_public_commitments_page_in_chinese(client):
    manager = make_account(role="manager")
    page = client.get(f"/commitments/{manager.org_slug}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert "投诉" in page.text and "紧急问题" in page.text and "09:00-12:00" in page.text
    assert "周一 09:00-12:00" in page.text and "mon " not in page.text  # the weekday in Chinese
    english = client.get(f"/commitments/{manager.org_slug}", headers={"Accept-Language": "en"})
    assert "Mon 09:00-12:00" in english.text
    assert client.get("/commitments/no-such-org").status_code == 404
