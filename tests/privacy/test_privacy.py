"""Privacy settings: personal data redacted from incoming text where configured, and retention
policies that anonymise old records while the aggregates stay."""

import base64
from datetime import UTC, datetime

from sqlalchemy import func, select

from tests.factories import make_account
from voxloop.audit.models import AuditEntry
from voxloop.db import session_scope
from voxloop.feedback import attachments
from voxloop.feedback.models import Attachment
from voxloop.jobs.executor import drain
from voxloop.privacy.tasks import apply_retention

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x01" * 64).decode()


def test_redaction_where_configured(client):
    admin = make_account(role="admin")
    text = "房卡丢了，请打我电话 13812345678 或发邮件 wang@example.com"
    before = client.post("/api/v1/feedback", json={"description": text}, headers=admin.headers).json()
    r = client.put("/api/v1/privacy", json={"redact_pii": True}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["redact_pii"] is True
    body = {"description": text, "customer": {"email": "wang@example.com"}}
    after = client.post("/api/v1/feedback", json=body, headers=admin.headers).json()
    assert client.get(f"/api/v1/feedback/{before['id']}", headers=admin.headers).json()["description"] == text
    stored = client.get(f"/api/v1/feedback/{after['id']}", headers=admin.headers).json()
    assert stored["description"] == "房卡丢了，请打我电话 [PHONE] 或发邮件 [EMAIL]"
    assert stored["customer"]["email"] == "wang@example.com"  # the contact itself is kept, to answer
    found = client.get("/api/v1/feedback?q=13812345678", headers=admin.headers).json()["items"]
    assert [i["id"] for i in found] == [before["id"]]  # the redacted record is not found by the number


def test_retention_anonymises_what_is_too_old_and_keeps_the_counts(client, clock):
    admin = make_account(role="admin")
    clock.now = datetime(2025, 1, 10, tzinfo=UTC)
    old = client.post(
        "/api/v1/feedback",
        json={
            "description": "空调坏了",
            "customer": {"email": "old@example.com"},
            "attachments": [{"filename": "a.png", "content_type": "image/png", "content_base64": PNG}],
        },  # fmt: skip
        headers=admin.headers,
    ).json()
    drain()
    clock.now = datetime(2026, 11, 20, tzinfo=UTC)
    recent = client.post("/api/v1/feedback", json={"description": "空调又坏了"}, headers=admin.headers).json()
    drain()
    r = client.put(
        "/api/v1/privacy",
        json={"retention": {"feedback_text_days": 365, "audit_days": 90}},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    with session_scope() as db:
        sha = db.scalar(select(Attachment.sha256))
        audit_before = db.scalar(select(func.count()).select_from(AuditEntry))
    assert attachments.path_for(sha).exists()
    done = apply_retention()
    assert done[admin.org_id]["feedback_text_days"] == 1 and done[admin.org_id]["audit_days"] >= 1
    expired = client.get(f"/api/v1/feedback/{old['id']}", headers=admin.headers).json()
    assert (
        expired["description"] == "[expired]" and expired["customer"] is None and expired["attachments"] == []
    )
    assert expired["type"] == "complaint"  # still counted
    assert not attachments.path_for(sha).exists()
    assert (
        client.get(f"/api/v1/feedback/{recent['id']}", headers=admin.headers).json()["description"]
        == "空调又坏了"
    )
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(AuditEntry)) < audit_before
    assert apply_retention()[admin.org_id]["feedback_text_days"] == 0  # nothing twice


def test_privacy_settings_are_checked_and_for_admins(client):
    admin = make_account(role="admin")
    r = client.put("/api/v1/privacy", json={"retention": {"feedback_text_days": 7}}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "retention.feedback_text_days"
    r = client.put("/api/v1/privacy", json={"retention": {"selfies_days": 400}}, headers=admin.headers)
    assert r.status_code == 422 and "is not a record kind" in r.json()["error"]["fields"][0]["reason"]
    manager = make_account(role="manager", org_slug=admin.org_slug)
    assert client.get("/api/v1/privacy", headers=manager.headers).status_code == 403
    assert client.get("/api/v1/privacy", headers=admin.headers).json()["retention"] == {}
