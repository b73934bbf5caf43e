"""Reply templates: managers keep canned replies (admin page and API, audited); an agent on the
record page starts a reply from one, in the customer's language with their name and tracking
code filled in, and sends it through the ordinary reply form."""

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import make_account
from tests.web.test_pages import EN, create, csrf_of, login, new_client
from voxloop.audit.models import AuditEntry
from voxloop.db import session_scope

ZH = "{name}您好，您的反馈 {code} 已收到，我们正在处理。"
EN_TEXT = "Dear {name}, we received your feedback {code} and are on it."


def reply_box(page: str) -> str:
    m = re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert m, "no reply textarea on the page"
    return html.unescape(m.group(1))


def audit_of(org_id: int) -> list[AuditEntry]:
    with session_scope() as db:
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.org_id == org_id, AuditEntry.entity == "reply_template")
                .order_by(AuditEntry.id)
            )
        )


def fields(r) -> set[str]:  # type: ignore[no-untyped-def]
    return {f["field"] for f in r.json()["error"]["fields"]}


def test_a_manager_adds_edits_and_deletes_templates_on_the_admin_page(client):
    manager = make_account(role="manager")
    login(client, manager.email)
    page = client.get("/admin/replies", headers=EN)
    assert page.status_code == 200
    assert 'href="/admin/replies"' in page.text  # in the Administration group of the menu
    assert "No reply templates yet." in page.text
    token = csrf_of(page.text)

    r = client.post(
        "/admin/replies",
        data={"csrf_token": token, "name": "Apology", "text_zh": "抱歉，{name}。", "text_en": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/replies"
    [row] = client.get("/api/v1/reply-templates", headers=manager.headers).json()
    assert (row["name"], row["text_zh"], row["text_en"]) == ("Apology", "抱歉，{name}。", "")
    listed = client.get("/admin/replies", headers=EN).text
    assert 'value="Apology"' in listed and "抱歉，{name}。" in listed

    r = client.post(
        f"/admin/replies/{row['id']}",
        data={"csrf_token": token, "name": "Apology (room)", "text_zh": "抱歉。", "text_en": "Sorry."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    got = client.get(f"/api/v1/reply-templates/{row['id']}", headers=manager.headers).json()
    assert (got["name"], got["text_zh"], got["text_en"]) == ("Apology (room)", "抱歉。", "Sorry.")

    r = client.post(f"/admin/replies/{row['id']}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/reply-templates", headers=manager.headers).json() == []
    assert client.get(f"/api/v1/reply-templates/{row['id']}", headers=manager.headers).status_code == 404

    create_, update, delete = audit_of(manager.org_id)
    assert create_.action == "create" and create_.actor == f"web:{manager.email}"
    assert create_.entity_id == row["id"] and create_.after["name"] == "Apology"
    assert update.action == "update" and update.before["name"] == "Apology"
    assert update.after == {"name": "Apology (room)", "text_zh": "抱歉。", "text_en": "Sorry."}
    assert delete.action == "delete" and delete.before["name"] == "Apology (room)"


def test_the_api_creates_updates_and_deletes_with_audit_entries(client):
    admin = make_account(role="admin")
    h = admin.headers
    r = client.post(
        "/api/v1/reply-templates", json={"name": "Thanks", "text_en": "Thank you, {name}."}, headers=h
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    assert r.json()["text_zh"] == "" and r.json()["created_at"]
    r = client.patch(f"/api/v1/reply-templates/{tid}", json={"text_zh": "谢谢您，{name}。"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Thanks" and r.json()["text_en"] == "Thank you, {name}."
    assert r.json()["text_zh"] == "谢谢您，{name}。" and r.json()["updated_at"] >= r.json()["created_at"]
    assert client.delete(f"/api/v1/reply-templates/{tid}", headers=h).status_code == 204
    assert client.delete(f"/api/v1/reply-templates/{tid}", headers=h).status_code == 404
    entries = audit_of(admin.org_id)
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[0].actor == f"api:{admin.email}"
    assert entries[1].before["text_zh"] == "" and entries[1].after["text_zh"] == "谢谢您，{name}。"


def test_bad_input_is_a_422_naming_the_field(client):
    admin = make_account(role="admin")
    h = admin.headers
    url = "/api/v1/reply-templates"
    assert client.post(url, json={"name": "Taken", "text_en": "x"}, headers=h).status_code == 201

    no_text = client.post(url, json={"name": "Empty", "text_zh": " ", "text_en": ""}, headers=h)
    assert no_text.status_code == 422 and fields(no_text) == {"text_zh", "text_en"}
    long_name = client.post(url, json={"name": "n" * 81, "text_en": "x"}, headers=h)
    assert long_name.status_code == 422 and fields(long_name) == {"name"}
    duplicate = client.post(url, json={"name": "Taken", "text_en": "y"}, headers=h)
    assert duplicate.status_code == 422 and fields(duplicate) == {"name"}
    long_text = client.post(url, json={"name": "Long", "text_zh": "字" * 5001}, headers=h)
    assert long_text.status_code == 422 and fields(long_text) == {"text_zh"}
    other = client.post(url, json={"name": "Other", "text_en": "z"}, headers=h).json()
    renamed = client.patch(f"{url}/{other['id']}", json={"name": "Taken"}, headers=h)
    assert renamed.status_code == 422 and fields(renamed) == {"name"}
    emptied = client.patch(f"{url}/{other['id']}", json={"text_en": None}, headers=h)
    assert emptied.status_code == 422 and fields(emptied) == {"text_zh", "text_en"}
    assert [t["name"] for t in client.get(url, headers=h).json()] == ["Other", "Taken"]

    # The admin page says the same, keeping what was typed.
    login(client, admin.email)
    token = csrf_of(client.get("/admin/replies").text)
    for data, field in (
        ({"name": "Empty", "text_zh": "", "text_en": ""}, "text_zh"),
        ({"name": "n" * 81, "text_en": "Hello"}, "name"),
        ({"name": "Taken", "text_en": "Hello"}, "name"),
    ):
        r = client.post("/admin/replies", data={"csrf_token": token, **data}, headers=EN)
        assert r.status_code == 422, data
        assert f"<code>{field}</code>" in r.text
        assert f'value="{data["name"]}"' in r.text
    assert len(client.get(url, headers=h).json()) == 2


def test_an_agent_uses_templates_but_may_not_manage_them(client):
    admin = make_account(role="admin")
    agent = make_account(role="agent", org_slug=admin.org_slug)
    tid = client.post(
        "/api/v1/reply-templates", json={"name": "Hello", "text_en": "Hello"}, headers=admin.headers
    ).json()["id"]
    url = "/api/v1/reply-templates"
    assert client.get(url, headers=agent.headers).status_code == 200  # agents start replies from them
    assert client.post(url, json={"name": "Mine", "text_en": "x"}, headers=agent.headers).status_code == 403
    assert client.patch(f"{url}/{tid}", json={"name": "x"}, headers=agent.headers).status_code == 403
    assert client.delete(f"{url}/{tid}", headers=agent.headers).status_code == 403

    login(client, agent.email)
    assert client.get("/admin/replies").status_code == 403
    assert 'href="/admin/replies"' not in client.get("/inbox").text
    token = csrf_of(client.get("/inbox").text)
    r = client.post("/admin/replies", data={"csrf_token": token, "name": "Mine", "text_en": "x"})
    assert r.status_code == 403
    assert client.post(f"/admin/replies/{tid}/delete", data={"csrf_token": token}).status_code == 403
    assert [t["name"] for t in client.get(url, headers=admin.headers).json()] == ["Hello"]


def test_another_organizations_template_is_not_found(client):
    victim = make_account(role="admin")
    intruder = make_account(role="admin")
    tid = client.post(
        "/api/v1/reply-templates", json={"name": "Secret", "text_en": "Secret words"}, headers=victim.headers
    ).json()["id"]
    url = f"/api/v1/reply-templates/{tid}"
    assert client.get(url, headers=intruder.headers).status_code == 404
    assert client.patch(url, json={"name": "Mine"}, headers=intruder.headers).status_code == 404
    assert client.delete(url, headers=intruder.headers).status_code == 404
    assert client.get("/api/v1/reply-templates", headers=intruder.headers).json() == []

    record = create(client, intruder, description="The lift is broken", language="en")
    login(client, intruder.email)
    token = csrf_of(client.get("/admin/replies").text)
    r = client.post(f"/admin/replies/{tid}", data={"csrf_token": token, "name": "Mine", "text_en": "x"})
    assert r.status_code == 404
    assert client.post(f"/admin/replies/{tid}/delete", data={"csrf_token": token}).status_code == 404
    page = client.get(f"/feedback/{record['id']}?reply_template={tid}")
    assert page.status_code == 404 and "Secret words" not in page.text
    got = client.get(url, headers=victim.headers).json()
    assert (got["name"], got["text_en"]) == ("Secret", "Secret words")


def test_the_record_page_fills_the_reply_in_the_customers_language_and_sends_it(client: TestClient):
    admin = make_account(role="admin")
    agent = make_account(role="agent", org_slug=admin.org_slug)
    h = admin.headers
    both = client.post(
        "/api/v1/reply-templates", json={"name": "Received", "text_zh": ZH, "text_en": EN_TEXT}, headers=h
    ).json()
    english_only = client.post(
        "/api/v1/reply-templates", json={"name": "English only", "text_en": "Hi {name}: {code}"}, headers=h
    ).json()
    zh = create(
        client,
        admin,
        description="空调坏了，房间太热",
        language="zh",
        customer={"name": "王芳", "email": "wf@example.com"},
    )
    en = create(
        client, admin, description="The shower is cold", language="en", customer={"name": "Alice Smith"}
    )
    nameless = create(client, admin, description="Noisy corridor at night", language="en")

    login(client, agent.email)
    page = client.get(f"/feedback/{zh['id']}", headers=EN).text
    assert "Use a template" in page and reply_box(page) == ""
    assert f'<option value="{both["id"]}"' in page and '<script src="/static/reply_templates.js"' in page

    page = client.get(f"/feedback/{zh['id']}?reply_template={both['id']}", headers=EN).text
    filled_zh = f"王芳您好，您的反馈 {zh['tracking_code']} 已收到，我们正在处理。"
    assert reply_box(page) == filled_zh
    assert f'<option value="{both["id"]}" data-text="{filled_zh}" selected>' in page
    page = client.get(f"/feedback/{zh['id']}?reply_template={english_only['id']}").text
    assert reply_box(page) == f"Hi 王芳: {zh['tracking_code']}"  # no Chinese text: the English one
    page = client.get(f"/feedback/{en['id']}?reply_template={both['id']}").text
    assert (
        reply_box(page) == f"Dear Alice Smith, we received your feedback {en['tracking_code']} and are on it."
    )
    page = client.get(f"/feedback/{nameless['id']}?reply_template={both['id']}").text
    assert reply_box(page) == f"Dear , we received your feedback {nameless['tracking_code']} and are on it."
    assert client.get(f"/feedback/{en['id']}?reply_template=").status_code == 200  # "—" chosen
    assert client.get(f"/feedback/{en['id']}?reply_template=abc").status_code == 422

    # The reply itself goes through the ordinary reply form and shows on the timeline.
    page = client.get(f"/feedback/{zh['id']}?reply_template={both['id']}", headers=EN).text
    r = client.post(
        f"/feedback/{zh['id']}/reply",
        data={"csrf_token": csrf_of(page), "text": reply_box(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    timeline = client.get(f"/api/v1/feedback/{zh['id']}/timeline", headers=h).json()
    assert any(e["kind"] == "reply" and e["data"]["text"] == filled_zh for e in timeline)
    assert filled_zh in client.get(f"/feedback/{zh['id']}").text

    # A viewer does not handle cases: no template select on their page.
    viewer = make_account(role="viewer", org_slug=admin.org_slug)
    browser = new_client(client)
    login(browser, viewer.email)
    assert "reply_template" not in browser.get(f"/feedback/{en['id']}").text
