"""The webhooks admin page: subscribing (the secret shown once), refusing private addresses and
unknown events with a message, pausing, deleting, and the delivery log with redelivery."""

import re

from tests.factories import make_account
from tests.web.test_pages import EN, csrf_of, login
from tests.webhooks.test_webhooks import Receiver, receiver  # noqa: F401 - the fixture
from voxloop.jobs.executor import drain
from voxloop.webhooks import signing

# event, status, attempts, the receiver's answer
LOG_ROW = re.compile(
    r'<code>feedback.created</code></td>\s*<td class="delivery-status">(\w+)</td>\s*'
    r"<td>(\d+)</td>\s*<td>(\d+)</td>"
)


def _hooks(client, admin):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/webhooks", headers=admin.headers)
    assert r.status_code == 200
    return r.json()


def test_subscribing_shows_the_secret_once_and_refuses_private_addresses(client):
    admin = make_account(role="admin")
    login(client, admin.email)
    page = client.get("/admin/webhooks", headers=EN)
    assert page.status_code == 200 and 'href="/admin/webhooks"' in page.text  # in the navigation
    token = csrf_of(page.text)

    refused = client.post(
        "/admin/webhooks",
        data={"csrf_token": token, "url": "http://10.0.0.5/hook", "events": ["feedback.created"]},
        headers=EN,
    )
    assert refused.status_code == 422
    assert "<code>url</code>" in refused.text and "private or reserved address" in refused.text
    assert 'value="http://10.0.0.5/hook"' in refused.text  # the form keeps what was typed
    assert _hooks(client, admin) == []

    no_events = client.post(
        "/admin/webhooks", data={"csrf_token": token, "url": "https://93.184.216.34/hook"}, headers=EN
    )
    assert no_events.status_code == 422 and "<code>events</code>" in no_events.text
    assert _hooks(client, admin) == []

    r = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "url": "https://93.184.216.34/hooks/voxloop",
            "description": "CRM",
            "events": ["feedback.created", "alert.raised"],
        },
        headers=EN,
    )
    assert r.status_code == 200, r.text
    [hook] = _hooks(client, admin)
    assert hook["url"] == "https://93.184.216.34/hooks/voxloop" and hook["description"] == "CRM"
    assert hook["events"] == ["alert.raised", "feedback.created"]
    shown = re.search(r'<code class="new-secret">([^<]+)</code>', r.text)
    assert shown and len(shown.group(1)) >= 40
    again = client.get("/admin/webhooks", headers=EN).text
    assert "https://93.184.216.34/hooks/voxloop" in again and shown.group(1) not in again
    assert client.post("/admin/webhooks", data={"url": "https://93.184.216.34/x"}).status_code == 403  # CSRF


def test_pausing_and_deleting(client):
    admin = make_account(role="admin")
    login(client, admin.email)
    token = csrf_of(client.get("/admin/webhooks").text)
    client.post(
        "/admin/webhooks",
        data={"csrf_token": token, "url": "https://93.184.216.34/h", "events": ["feedback.created"]},
    )
    [hook] = _hooks(client, admin)
    r = client.post(
        f"/admin/webhooks/{hook['id']}/active", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and _hooks(client, admin)[0]["is_active"] is False
    assert "Resume" in client.get("/admin/webhooks", headers=EN).text
    client.post("/api/v1/feedback", json={"description": "空调坏了"}, headers=admin.headers)
    drain()
    assert client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin.headers).json() == []
    client.post(f"/admin/webhooks/{hook['id']}/active", data={"csrf_token": token, "active": "1"})
    assert _hooks(client, admin)[0]["is_active"] is True
    r = client.post(
        f"/admin/webhooks/{hook['id']}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and _hooks(client, admin) == []
    assert client.post(f"/admin/webhooks/{hook['id']}/delete", data={"csrf_token": token}).status_code == 404


def test_the_delivery_log_and_redelivery(client, receiver):  # noqa: F811 - the fixture
    admin = make_account(role="admin")
    login(client, admin.email)
    token = csrf_of(client.get("/admin/webhooks").text)
    created = client.post(
        "/admin/webhooks",
        data={"csrf_token": token, "url": receiver.url, "events": ["feedback.created"]},
        headers=EN,
    )
    secret = re.search(r'<code class="new-secret">([^<]+)</code>', created.text)
    assert secret
    [hook] = _hooks(client, admin)
    receiver.answers = [500]
    client.post("/api/v1/feedback", json={"description": "The lift is broken"}, headers=admin.headers)
    drain()
    log = client.get(f"/admin/webhooks/{hook['id']}", headers=EN)
    assert log.status_code == 200
    row = LOG_ROW.search(log.text)
    assert row and row.groups() == ("retrying", "1", "500")
    assert "could not deliver (HTTP 500)" in log.text
    delivery = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin.headers).json()[0]

    r = client.post(
        f"/admin/webhooks/deliveries/{delivery['id']}/redeliver",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"/admin/webhooks/{hook['id']}")
    drain()
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[1]
    assert signing.verify(
        secret.group(1),
        headers["x-voxloop-timestamp"],
        body,
        headers["x-voxloop-signature"],
        float(headers["x-voxloop-timestamp"]),
    )
    zh = client.get(r.headers["location"], headers={"Accept-Language": "zh-CN"}).text
    assert "推送记录" in zh and "已送达" in zh and "重新推送" in zh
    log = client.get(r.headers["location"], headers=EN).text
    assert "is queued to be sent again" in log
    row = LOG_ROW.search(log)
    assert row and row.groups() == ("delivered", "1", "200")


def test_webhook_pages_are_for_admins_of_their_own_organization(client):
    admin = make_account(role="admin")
    login(client, admin.email)
    token = csrf_of(client.get("/admin/webhooks").text)
    client.post(
        "/admin/webhooks",
        data={"csrf_token": token, "url": "https://93.184.216.34/h", "events": ["alert.raised"]},
    )
    [hook] = _hooks(client, admin)
    client.cookies.clear()
    manager = make_account(role="manager", org_slug=admin.org_slug)
    login(client, manager.email)
    assert 'href="/admin/webhooks"' not in client.get("/inbox").text
    assert client.get("/admin/webhooks").status_code == 403
    assert client.get(f"/admin/webhooks/{hook['id']}").status_code == 403
    client.cookies.clear()
    other = make_account(role="admin")
    login(client, other.email)
    token = csrf_of(client.get("/admin/webhooks").text)
    assert client.get(f"/admin/webhooks/{hook['id']}").status_code == 404
    assert client.post(f"/admin/webhooks/{hook['id']}/delete", data={"csrf_token": token}).status_code == 404
    assert len(_hooks(client, admin)) == 1
