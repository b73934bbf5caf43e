"""Server-rendered pages: sign-in, inbox, detail, staff entry, public form, admin and language."""

import base64
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.factories import PASSWORD, Account, make_account
from voxloop.accounts.models import ApiToken, Department, User
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
CSRF = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
EN = {"Accept-Language": "en"}


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no csrf_token hidden input in the page"
    return m.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/inbox"


def new_client(client: TestClient) -> TestClient:
    """A second browser: same app, its own cookies."""
    return TestClient(client.app)


def create(client: TestClient, acct: Account, **body: object) -> dict:
    r = client.post("/api/v1/feedback", json=body, headers=acct.headers)
    assert r.status_code == 201, r.text
    return r.json()


def listed_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/feedback/(\d+)"', html)}


def count_feedback() -> int:
    with session_scope() as db:
        return db.scalar(select(func.count()).select_from(Feedback)) or 0


def html_lang(html: str) -> str:
    m = re.search(r'<html lang="([^"]+)">', html)
    assert m, html[:200]
    return m.group(1)


# Sign-in


def test_login_form_checks_csrf_and_password_then_redirects_to_inbox(client):
    acct = make_account()
    r = client.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/inbox"

    form = client.get("/login")
    assert form.status_code == 200
    token = csrf_of(form.text)
    assert 'name="email"' in form.text and 'name="password"' in form.text
    creds = {"email": acct.email, "password": PASSWORD}

    assert client.post("/login", data=creds, follow_redirects=False).status_code == 403
    wrong = {**creds, "csrf_token": token[::-1]}
    assert client.post("/login", data=wrong, follow_redirects=False).status_code == 403

    bad = client.post(
        "/login", data={**creds, "password": "not the password", "csrf_token": token}, follow_redirects=False
    )
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
    assert client.get("/inbox", follow_redirects=False).status_code == 303

    ok = client.post("/login", data={**creds, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/inbox"
    inbox = client.get("/inbox", follow_redirects=False)
    assert inbox.status_code == 200
    assert 'action="/logout"' in inbox.text


def test_login_keeps_a_local_next_and_logout_ends_the_session(client):
    acct = make_account()
    token = csrf_of(client.get("/login?next=/feedback/new").text)
    r = client.post(
        "/login",
        data={"csrf_token": token, "email": acct.email, "password": PASSWORD, "next": "/feedback/new"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/feedback/new"
    token = csrf_of(client.get("/inbox").text)
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_login_refuses_an_offsite_next(client):
    acct = make_account()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"csrf_token": token, "email": acct.email, "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/inbox"


# Inbox


def test_inbox_filters_by_channel_status_dates_and_text(client):
    acct = make_account()
    other = make_account()
    aircon = create(
        client,
        acct,
        description="1203房间的空调从昨晚就坏了，一直没人来修。",
        channel="hotline",
        received_at="2026-05-01T07:00:00+08:00",  # 1 May in Shanghai, 30 April in UTC
    )
    queue = create(
        client,
        acct,
        description="Breakfast queue was far too long this morning.",
        channel="email",
        received_at="2026-05-02T23:30:00+08:00",
    )
    fresh_air = create(
        client,
        acct,
        description="早餐很好吃，房间空气清新。",
        channel="face_to_face",
        received_at="2026-05-03T01:00:00+08:00",  # 3 May in Shanghai, still 2 May in UTC
    )
    wifi = create(
        client,
        acct,
        description="The Wi-Fi in my room keeps dropping.",
        received_at="2026-04-20T12:00:00+08:00",
    )
    create(client, other, description="别家的空调 breakfast", channel="hotline")
    with session_scope() as db:
        db.execute(update(Feedback).where(Feedback.id == wifi["id"]).values(status="resolved"))
        db.commit()
    login(client, acct.email)

    def shown(**params: str) -> set[int]:
        r = client.get("/inbox", params=params, headers=EN)
        assert r.status_code == 200, r.text
        return listed_ids(r.text)

    everything = {aircon["id"], queue["id"], fresh_air["id"], wifi["id"]}
    assert shown() == everything
    assert shown(channel="hotline") == {aircon["id"]}
    assert shown(channel="email") == {queue["id"]}
    assert shown(channel="api") == {wifi["id"]}
    assert shown(status="resolved") == {wifi["id"]}
    assert shown(status="new") == everything - {wifi["id"]}
    # Dates are the organization's (Asia/Shanghai) calendar days, as the inbox displays them.
    assert shown(date_from="2026-05-01", date_to="2026-05-02") == {aircon["id"], queue["id"]}
    assert shown(date_from="2026-05-03") == {fresh_air["id"]}
    assert shown(date_to="2026-04-30") == {wifi["id"]}
    assert shown(date_from="2026-05-02", date_to="2026-05-02") == {queue["id"]}
    assert shown(q="空调") == {aircon["id"]}
    assert shown(q="早餐") == {fresh_air["id"]}
    assert shown(q="breakfast") == {queue["id"]}
    assert shown(q="WI-FI") == {wifi["id"]}
    assert shown(q="空调", channel="email") == set()
    assert shown(q="早餐", date_to="2026-05-02") == set()

    page = client.get("/inbox", params={"q": "空调"}, headers=EN).text
    assert "1203房间的空调" in page and 'value="空调"' in page
    bad = client.get("/inbox", params={"date_from": "May 1st"}, headers=EN)
    assert bad.status_code == 422 and "date_from" in bad.text


# Record detail


def test_detail_shows_description_and_timeline_and_hides_other_orgs(client):
    acct = make_account()
    other = make_account()
    mine = create(client, acct, description="Room 1203: the air conditioner is broken.", channel="email")
    theirs = create(client, other, description="Org B only", channel="email")
    login(client, acct.email)

    r = client.get(f"/feedback/{mine['id']}", headers=EN)
    assert r.status_code == 200
    assert "Room 1203: the air conditioner is broken." in r.text
    assert mine["tracking_code"] in r.text
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', r.text, re.S)
    assert timeline and "Received" in timeline.group(1)
    assert f"api:{acct.email}" in timeline.group(1)

    hidden = client.get(f"/feedback/{theirs['id']}", headers=EN)
    assert hidden.status_code == 404
    assert "Org B only" not in hidden.text
    assert client.get("/feedback/999999", headers=EN).status_code == 404
    assert theirs["id"] not in listed_ids(client.get("/inbox").text)


def test_markup_in_feedback_is_stored_as_text_and_escaped_on_pages(client):
    acct = make_account()
    evil = "<script>alert(1)</script> 房间太吵"
    out = create(client, acct, description=evil, customer={"name": "<img src=x onerror=alert(2)>"})
    assert out["description"] == evil
    again = client.get(f"/api/v1/feedback/{out['id']}", headers=acct.headers).json()
    assert again["description"] == evil
    login(client, acct.email)

    for url in (f"/feedback/{out['id']}", "/inbox"):
        html = client.get(url).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;img src=x onerror=alert(2)&gt;" in html, url


# Staff entry


def test_staff_entry_records_hotline_call_with_attachment(client):
    acct = make_account(role="agent")
    other = make_account()
    login(client, acct.email)

    form = client.get("/feedback/new?channel=hotline", headers=EN)
    assert form.status_code == 200
    assert '<option value="hotline" selected>' in form.text
    assert '<option value="web_form"' not in form.text  # not a staff channel
    token = csrf_of(form.text)

    r = client.post(
        "/feedback/new",
        data={
            "csrf_token": token,
            "channel": "hotline",
            "received_at": "2026-05-01T09:30",
            "description": "客人来电：1508房间淋浴没有热水。",
            "customer_name": "李先生",
            "customer_email": "Li@Example.com",
        },
        files={"attachments": ("shower.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    m = re.fullmatch(r"/feedback/(\d+)\?created=1", r.headers["location"])
    assert m
    fid = int(m.group(1))

    record = client.get(f"/api/v1/feedback/{fid}", headers=acct.headers).json()
    assert record["channel"] == "hotline"
    assert record["description"] == "客人来电：1508房间淋浴没有热水。"
    assert record["customer"]["name"] == "李先生" and record["customer"]["email"] == "li@example.com"
    # The time picker's local time is the organization's (Asia/Shanghai).
    assert datetime.fromisoformat(record["received_at"]) == datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    [att] = record["attachments"]
    assert (att["filename"], att["content_type"], att["size"]) == ("shower.png", "image/png", len(PNG))

    detail = client.get(r.headers["location"], headers=EN)
    assert record["tracking_code"] in detail.text
    assert f'href="/attachments/{att["id"]}"' in detail.text

    download = client.get(f"/attachments/{att['id']}")
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert "attachment;" in download.headers["content-disposition"]

    outsider = new_client(client)
    login(outsider, other.email)
    assert outsider.get(f"/attachments/{att['id']}").status_code == 404
    assert outsider.get(f"/feedback/{fid}").status_code == 404
    anonymous = new_client(client)
    assert anonymous.get(f"/attachments/{att['id']}", follow_redirects=False).status_code == 303


def test_staff_entry_with_empty_description_is_refused_naming_the_field(client):
    acct = make_account(role="agent")
    login(client, acct.email)
    token = csrf_of(client.get("/feedback/new", headers=EN).text)
    r = client.post(
        "/feedback/new",
        data={"csrf_token": token, "channel": "hotline", "description": "", "customer_name": "王女士"},
        files={"attachments": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "<code>description</code>" in r.text
    assert 'value="王女士"' in r.text  # what was typed is kept
    assert count_feedback() == 0

    no_csrf = client.post(
        "/feedback/new",
        data={"channel": "hotline", "description": "x"},
        files={"attachments": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert no_csrf.status_code == 403
    assert count_feedback() == 0


def test_viewer_cannot_record_feedback(client):
    admin = make_account()
    viewer = make_account(role="viewer", org_slug=admin.org_slug)
    login(client, viewer.email)
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    assert 'href="/feedback/new"' not in inbox.text
    assert client.get("/feedback/new").status_code == 403
    r = client.post(
        "/feedback/new",
        data={"csrf_token": csrf_of(inbox.text), "channel": "hotline", "description": "should not be saved"},
        files={"attachments": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert count_feedback() == 0


# Public form and tracking page


def test_public_form_creates_web_form_record_and_tracking_page(client):
    acct = make_account()
    form = client.get(f"/f/{acct.org_slug}", headers=EN)
    assert form.status_code == 200
    assert 'name="website"' in form.text and 'name="description"' in form.text

    r = client.post(
        f"/f/{acct.org_slug}",
        data={"description": "前台办理入住很快，服务热情。", "branch": "杭州西湖店"},
        files={"attachments": ("", b"", "application/octet-stream")},  # what a browser sends with no file
        headers=EN,
    )
    assert r.status_code == 201, r.text
    m = re.search(r'<strong class="tracking-code">([0-9A-Z]{12})</strong>', r.text)
    assert m, r.text
    code = m.group(1)
    assert f"http://testserver/t/{code}" in r.text

    [item] = client.get("/api/v1/feedback", headers=acct.headers).json()["items"]
    assert (item["tracking_code"], item["channel"]) == (code, "web_form")
    assert item["description"] == "前台办理入住很快，服务热情。" and item["branch"] == "杭州西湖店"
    assert item["customer"] is None

    status = new_client(client).get(f"/t/{code.lower()}", headers=EN)
    assert status.status_code == 200
    assert code in status.text
    assert '<strong class="status">New</strong>' in status.text
    assert "前台办理入住" not in status.text  # the tracking page shows the state, not the text
    assert client.get("/t/NOSUCHCODE00").status_code == 404


def test_public_form_honeypot_and_unknown_org(client):
    acct = make_account()
    bot = client.post(
        f"/f/{acct.org_slug}",
        data={"description": "Buy cheap watches", "website": "http://spam.example"},
        files={"attachments": ("", b"", "application/octet-stream")},
        headers=EN,
    )
    assert bot.status_code == 422
    assert "<code>website</code>" in bot.text
    assert count_feedback() == 0

    empty = client.post(
        f"/f/{acct.org_slug}",
        data={"description": "   "},
        files={"attachments": ("", b"", "application/octet-stream")},
        headers=EN,
    )
    assert empty.status_code == 422 and "<code>description</code>" in empty.text
    assert count_feedback() == 0

    assert client.get("/f/no-such-org").status_code == 404
    assert client.post("/f/no-such-org", data={"description": "x"}).status_code == 404
    assert client.get("/f/no-such-org/qr.svg").status_code == 404
    assert count_feedback() == 0


def test_public_form_qr_code_is_a_standalone_svg_shown_on_the_channels_page(client):
    acct = make_account(role="admin")
    r = client.get(f"/f/{acct.org_slug}/qr.svg")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    # An <img> shows an SVG file only when it declares the SVG namespace.
    root = ElementTree.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
    login(client, acct.email)
    assert f'<img src="/f/{acct.org_slug}/qr.svg"' in client.get("/admin/channels").text


def test_public_form_sends_one_acknowledgement_with_the_tracking_link(client, smtp):
    from voxloop.jobs.executor import drain

    acct = make_account()
    r = client.post(
        f"/f/{acct.org_slug}",
        data={
            "description": "The spa was wonderful.",
            "customer_name": "Ann",
            "customer_email": "ann@example.com",
        },
        files={"attachments": ("", b"", "application/octet-stream")},
        headers=EN,
    )
    assert r.status_code == 201, r.text
    code = re.search(r'class="tracking-code">([0-9A-Z]{12})<', r.text).group(1)
    assert smtp.messages == []  # nothing is sent before the outbox runs

    assert drain() >= 1
    # Praise is also thanked; the acknowledgement is the one with an "ack-" Message-ID.
    [msg] = [m for m in smtp.wait_for(2) if m["Message-ID"].startswith("<ack-")]
    assert msg["To"] == "ann@example.com"
    assert code in msg["Subject"]
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert f"http://testserver/t/{code}" in body
    assert "Ann" in body

    assert drain() == 0
    assert len(smtp.messages) == 2  # nothing sent twice
    status = client.get(f"/t/{code}", headers=EN).text
    assert "Acknowledged" in status


# Administration


def test_admin_manages_departments_users_tokens_and_sees_the_audit_log(client):
    admin = make_account()
    login(client, admin.email)
    token = csrf_of(client.get("/admin/departments").text)

    r = client.post(
        "/admin/departments",
        data={"csrf_token": token, "name": "前厅部", "name_en": "Front office"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "前厅部 / Front office" in client.get("/admin/departments").text
    with session_scope() as db:
        dept_id = db.scalar(select(Department.id).where(Department.org_id == admin.org_id))

    r = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "Agent.Zhao@Example.com",
            "name": "赵敏",
            "password": "agent-password-1",
            "role": "agent",
            "department_id": str(dept_id),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "agent.zhao@example.com" in client.get("/admin/users").text
    planted = client.request("GET", "/admin/users", json=[{"field": "email", "reason": "planted"}])
    assert planted.status_code == 200 and "planted" not in planted.text
    with session_scope() as db:
        agent = db.scalar(select(User).where(User.email == "agent.zhao@example.com"))
        assert (agent.org_id, agent.role, agent.department_id) == (admin.org_id, "agent", dept_id)
        agent_id = agent.id

    taken = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "agent.zhao@example.com",
            "password": "another-pw-2",
            "role": "agent",
        },
    )
    assert taken.status_code == 409 and "<code>email</code>" in taken.text

    # The new agent signs in with the password the admin set and may not administer.
    agent_client = new_client(client)
    login(agent_client, "agent.zhao@example.com", "agent-password-1")
    assert agent_client.get("/admin/users").status_code == 403
    assert agent_client.get("/admin/audit").status_code == 403

    r = client.post(
        f"/admin/users/{agent_id}",
        data={"csrf_token": token, "role": "manager", "department_id": str(dept_id), "is_active": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with session_scope() as db:
        assert db.get(User, agent_id).role == "manager"
    assert agent_client.get("/admin/audit").status_code == 200  # managers read the audit log
    assert agent_client.get("/admin/users").status_code == 403

    created = client.post(
        "/admin/tokens", data={"csrf_token": token, "user_id": str(admin.user_id), "name": "crm-sync"}
    )
    assert created.status_code == 200
    m = re.search(r'<code class="new-token">([^<]+)</code>', created.text)
    assert m, created.text
    raw = m.group(1)
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/feedback", headers=bearer).status_code == 200
    listing = client.get("/admin/tokens").text
    assert raw not in listing and "crm-sync" in listing  # shown once only
    planted = client.get("/admin/tokens", params={"new_token": "vx_planted"}).text
    assert "vx_planted" not in planted and 'class="new-token"' not in planted

    with session_scope() as db:
        token_id = db.scalar(select(ApiToken.id).where(ApiToken.name == "crm-sync"))
    r = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/feedback", headers=bearer).status_code == 401
    assert client.get("/api/v1/feedback", headers=admin.headers).status_code == 200

    audit = client.get("/admin/audit", headers=EN)
    assert audit.status_code == 200
    rows = re.findall(r"<tr><td>.*?</tr>", audit.text, re.S)
    actor = f"web:{admin.email}"

    def row_for(action: str, what: str) -> str:
        found = [row for row in rows if f"<td>{action}</td><td>{what}</td>" in row]
        assert len(found) == 1, (action, what, rows)
        assert f"<td>{actor}</td>" in found[0]
        return found[0]

    row_for("Added", f"Department #{dept_id}")
    assert "agent.zhao@example.com" in row_for("Added", f"User #{agent_id}")
    change = row_for("Changed", f"User #{agent_id}")
    # each changed field on a line of its own, not a JSON object
    assert "<code>role</code> agent" in change and "<code>role</code> manager" in change
    assert "{&#34;" not in change and '{"' not in change
    row_for("Added", f"API token #{token_id}")
    row_for("Revoked", f"API token #{token_id}")
    chinese = client.get("/admin/audit", headers={"Accept-Language": "zh-CN"}).text
    assert f"<td>已吊销</td><td>API 令牌 #{token_id}</td>" in chinese


def test_admin_pages_need_the_admin_role_and_csrf(client):
    admin = make_account()
    agent = make_account(role="agent", org_slug=admin.org_slug)
    login(client, agent.email)
    for url in ("/admin/users", "/admin/departments", "/admin/tokens", "/admin/channels"):
        assert client.get(url).status_code == 403, url
    token = csrf_of(client.get("/inbox").text)
    r = client.post("/admin/departments", data={"csrf_token": token, "name": "Sneaky"})
    assert r.status_code == 403
    r = client.post(
        f"/admin/users/{agent.user_id}", data={"csrf_token": token, "role": "admin", "is_active": "1"}
    )
    assert r.status_code == 403

    admin_client = new_client(client)
    login(admin_client, admin.email)
    r = admin_client.post("/admin/departments", data={"name": "No token"})
    assert r.status_code == 403
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Department)) == 0
        assert db.get(User, agent.user_id).role == "agent"


# Navigation

WORK = ["/inbox", "/inbox?owner=me"]
REPORTS = ["/reports/scorecard", "/reports/kpis", "/reports/trends", "/reports/volume", "/reports/themes"]
TRIAGE = [
    "/imports",
    "/admin/triage",
    "/admin/replies",
    "/admin/routing",
    "/admin/commitments",
    "/admin/audit",
]


def nav_groups(html: str, where: str) -> dict[str, list[str]]:
    """The staff navigation's groups in the sidebar (`where` "side") or the phone's menu ("menu"):
    each group's label and the links under it, in order."""
    block = (
        r'<nav class="side"[^>]*>(.*?)</nav>' if where == "side" else r'<details class="menu">(.*?)</details>'
    )
    found = re.search(block, html, re.S)
    assert found, f"no {where} navigation"
    groups = re.findall(
        rf'<span class="nav-label" id="{where}-[a-z]+">([^<]+)</span>'
        rf'<ul aria-labelledby="{where}-[a-z]+">(.*?)</ul>',
        found.group(1),
        re.S,
    )
    return {label: re.findall(r'<a href="([^"]+)"', links) for label, links in groups}


def marked(html: str) -> list[str]:
    """The links the page marks as the current page."""
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


def test_navigation_is_grouped_by_job_and_shows_each_role_only_what_it_may_open(client):
    admin = make_account()
    expected = {
        "admin": {
            "Work": [*WORK, "/feedback/new", "/reports/sla", "/customers"],
            "Insight": [*REPORTS, "/surveys"],
            "Improve": ["/improvement"],
            "Administration": [
                "/admin/users",
                "/admin/departments",
                "/admin/branches",
                "/admin/channels",
                "/admin/tokens",
                "/admin/webhooks",
                "/admin/mail",
                *TRIAGE,
            ],
        },
        "manager": {
            "Work": [*WORK, "/feedback/new", "/reports/sla", "/customers"],
            "Insight": [*REPORTS, "/surveys"],
            "Improve": ["/improvement"],
            "Administration": TRIAGE,
        },
        "agent": {"Work": [*WORK, "/feedback/new", "/customers"], "Insight": ["/surveys"]},
        "viewer": {
            "Work": [*WORK, "/reports/sla"],
            "Insight": [*REPORTS, "/surveys"],
            "Improve": ["/improvement"],
        },
    }
    for role, groups in expected.items():
        who = admin if role == "admin" else make_account(role=role, org_slug=admin.org_slug)
        browser = new_client(client)
        login(browser, who.email)
        html = browser.get("/surveys", headers=EN).text
        assert nav_groups(html, "side") == groups, role
        assert nav_groups(html, "menu") == groups, role  # the phone's menu holds the same
        for path in groups.get("Administration", []) + groups["Insight"]:
            assert browser.get(path, headers=EN).status_code == 200, (role, path)
    # Signed out, the public header has no staff navigation.
    assert 'class="side"' not in new_client(client).get("/login", headers=EN).text


def test_navigation_marks_the_current_page(client):
    acct = make_account()
    record = create(client, acct, channel="web_form", description="Lift noise at night")
    login(client, acct.email)
    for path, current in (
        ("/inbox", "/inbox"),
        ("/inbox?owner=me", "/inbox?owner=me"),
        ("/inbox?status=new", "/inbox"),
        (f"/feedback/{record['id']}", "/inbox"),  # a record, under the inbox it is opened from
        ("/feedback/new", "/feedback/new"),
        ("/reports/kpis", "/reports/kpis"),
        ("/admin/audit", "/admin/audit"),
    ):
        html = client.get(path, headers=EN).text
        assert marked(html) == [current, current], path  # once in the sidebar, once in the menu


# Language


def test_browser_language_sets_html_lang(client):
    acct = make_account()
    assert html_lang(client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text) == "zh-CN"
    assert html_lang(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).text) == "en"
    zh = client.get(f"/f/{acct.org_slug}", headers={"Accept-Language": "zh-CN"}).text
    en = client.get(f"/f/{acct.org_slug}", headers=EN).text
    assert html_lang(zh) == "zh-CN" and html_lang(en) == "en"
    assert zh != en  # the text is translated, not just the attribute


def test_language_cookie_and_the_users_choice_win_over_the_browser(client):
    acct = make_account()
    r = client.get("/lang/zh_CN", params={"next": "/login"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "voxloop_lang=zh_CN" in r.headers["set-cookie"]
    assert html_lang(client.get("/login", headers=EN).text) == "zh-CN"

    # Signed in, the choice is stored with the user and follows them to another browser.
    login(client, acct.email)
    assert html_lang(client.get("/inbox", headers=EN).text) == "zh-CN"
    with session_scope() as db:
        assert db.get(User, acct.user_id).locale is None
    client.get("/lang/zh_CN", follow_redirects=False)
    with session_scope() as db:
        assert db.get(User, acct.user_id).locale == "zh_CN"
    elsewhere = new_client(client)
    login(elsewhere, acct.email)
    assert "voxloop_lang" not in elsewhere.cookies
    assert html_lang(elsewhere.get("/inbox", headers=EN).text) == "zh-CN"

    elsewhere.get("/lang/en", follow_redirects=False)
    elsewhere.cookies.clear()
    login(elsewhere, acct.email)
    assert html_lang(elsewhere.get("/inbox", headers={"Accept-Language": "zh-CN"}).text) == "en"


def test_staff_and_public_pages_name_the_favicon_and_it_is_served(client):
    acct = make_account()
    for path in ("/login", f"/f/{acct.org_slug}"):
        page = client.get(path, headers=EN)
        assert page.status_code == 200
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    ElementTree.fromstring(icon.text)  # a well-formed SVG


def test_times_read_in_the_organizations_zone_including_dates_and_model_reports():
    from voxloop.web.render import environment

    late = datetime(2026, 1, 1, 20, 30, tzinfo=UTC)  # already 2 January in Shanghai
    for locale, date_text in (("en", "Jan 2, 2026"), ("zh_CN", "2026年1月2日")):
        filters = environment(locale).filters
        assert filters["day"](late, "Asia/Shanghai") == date_text
        assert filters["when"](late.isoformat(), "Asia/Shanghai", "short") == filters["when"](
            late, "Asia/Shanghai", "short"
        )
        assert "4:30" in filters["when"](late, "Asia/Shanghai", "short")


def test_no_page_needs_an_emoji_font():
    """📎 drew as an empty box where no emoji font is installed: pages draw their icons."""
    from pathlib import Path

    templates = Path(__file__).parents[2] / "src" / "voxloop" / "web" / "templates"
    emoji = re.compile("[\U0001f000-\U0001faff]")
    found = {
        str(p.relative_to(templates)) for p in templates.rglob("*.html") if emoji.search(p.read_text("utf-8"))
    }
    assert found == set()
