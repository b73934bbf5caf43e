"""The customer directory: a profile with everything, segments and consent, lookup by the CRM's
id, merging duplicates, and a customer's export and erasure (aggregates kept)."""

import base64
import io
import json
import zipfile

from sqlalchemy import select

from tests.factories import make_account
from voxloop.analytics import store
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.surveys import optouts
from voxloop.surveys.models import OptOut

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()


def _feedback(client, acct, text, email="li.na@example.com", **extra):  # type: ignore[no-untyped-def]
    body = {"description": text, "customer": {"name": "李娜", "email": email}, **extra}
    r = client.post("/api/v1/feedback", json=body, headers=acct.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _customer_id(client, acct, email="li.na@example.com") -> int:  # type: ignore[no-untyped-def]
    found = client.get(f"/api/v1/customers?email={email}", headers=acct.headers).json()
    assert len(found) == 1
    return int(found[0]["id"])


def test_profile_segments_and_lookup_by_crm_id(client):
    manager = make_account(role="manager")
    first = _feedback(client, manager, "空调坏了，一直没人修")
    _feedback(client, manager, "前台服务很好，谢谢")
    drain()
    cid = _customer_id(client, manager)
    r = client.patch(
        f"/api/v1/customers/{cid}",
        json={
            "external_id": "CRM-0042",
            "tags": ["会员", "商务"],
            "value_tier": "gold",
            "region": "华东",
            "contact_email": False,
        },
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    found = client.get("/api/v1/customers?external_id=CRM-0042", headers=manager.headers).json()
    assert [c["id"] for c in found] == [cid] and found[0]["tags"] == ["会员", "商务"]
    assert [c["id"] for c in client.get("/api/v1/customers?q=li.na", headers=manager.headers).json()] == [cid]
    profile = client.get(f"/api/v1/customers/{cid}", headers=manager.headers).json()
    assert profile["customer"]["value_tier"] == "gold" and profile["customer"]["contact_email"] is False
    assert {f["id"] for f in profile["feedback"]} >= {first["id"]} and len(profile["feedback"]) == 2
    assert {f["type"] for f in profile["feedback"]} == {"complaint", "praise"}
    r = client.patch(f"/api/v1/customers/{cid}", json={"phone": "call me"}, headers=manager.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "phone"


def test_satisfaction_over_time_comes_from_the_customers_survey_answers(client):
    manager = make_account(role="manager")
    record = _feedback(client, manager, "房间很吵")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=manager.headers).json()
    client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=manager.headers)
    r = client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["li.na@example.com"]},
        headers=manager.headers,
    )
    assert r.status_code in (200, 201, 202), r.text
    drain()
    from voxloop.surveys.models import Invitation

    with session_scope() as db:
        token = db.scalar(select(Invitation.token))
    key = client.get(f"/api/v1/surveys/{survey['id']}", headers=manager.headers).json()["key"]
    r = client.post(
        f"/api/v1/public/surveys/{key}/responses",
        json={"language": "zh", "token": token, "answers": {"nps": 9}},
    )
    assert r.status_code == 201, r.text
    cid = _customer_id(client, manager)
    profile = client.get(f"/api/v1/customers/{cid}", headers=manager.headers).json()
    assert [r["answers"]["nps"] for r in profile["responses"]] == [9]
    assert profile["satisfaction"][0]["nps"] == 9.0
    assert record["id"] in {f["id"] for f in profile["feedback"]}


def test_merging_a_duplicate_moves_everything_and_keeps_the_stricter_consent(client):
    manager = make_account(role="manager")
    _feedback(client, manager, "早餐太少", email="li.na@example.com")
    _feedback(client, manager, "停车难", email="lina.work@example.com")
    keep, gone = _customer_id(client, manager), _customer_id(client, manager, "lina.work@example.com")
    client.patch(
        f"/api/v1/customers/{gone}",
        json={"external_id": "CRM-7", "contact_email": False},
        headers=manager.headers,
    )
    r = client.post(f"/api/v1/customers/{keep}/merge", json={"from_id": gone}, headers=manager.headers)
    assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["external_id"] == "CRM-7" and merged["contact_email"] is False
    assert len(client.get(f"/api/v1/customers/{keep}", headers=manager.headers).json()["feedback"]) == 2
    assert client.get(f"/api/v1/customers/{gone}", headers=manager.headers).status_code == 404
    r = client.post(f"/api/v1/customers/{keep}/merge", json={"from_id": keep}, headers=manager.headers)
    assert r.status_code == 422


def test_export_holds_everything_and_erasure_keeps_the_counts(client, settings_env, tmp_path):
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    admin = make_account(role="admin")
    record = _feedback(
        client, admin, "我的手机 13812345678，空调坏了",
        attachments=[{"filename": "空调.png", "content_type": "image/png", "content_base64": PNG}],
    )  # fmt: skip
    _feedback(client, admin, "服务很好", email="someone.else@example.com")
    drain()
    with session_scope(readonly=True) as db:
        store.sync(db)
    cid = _customer_id(client, admin)
    r = client.get(f"/api/v1/customers/{cid}/export", headers=admin.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(archive.namelist())
    assert {"customer.json", "feedback.json", "survey_responses.json", "survey_invitations.json"} <= names
    assert any(
        n.startswith(f"attachments/{record['tracking_code']}/") and n.endswith("空调.png") for n in names
    )
    assert json.loads(archive.read("customer.json"))["email"] == "li.na@example.com"
    assert json.loads(archive.read("feedback.json"))[0]["description"].endswith("空调坏了")

    r = client.post(f"/api/v1/customers/{cid}/erase", headers=admin.headers)
    assert r.status_code == 200 and r.json() == {"feedback": 1, "responses": 0}
    drain()
    after = client.get(f"/api/v1/feedback/{record['id']}", headers=admin.headers).json()
    assert after["description"] == "[erased]" and after["customer"] is None
    assert after["type"] == "complaint"  # the aggregates keep the record
    assert client.get("/api/v1/customers?q=li.na", headers=admin.headers).json() == []
    refused = client.get(
        f"/api/v1/customers/{cid}/export", headers={**admin.headers, "Accept-Language": "zh-CN"}
    )
    assert refused.status_code == 410 and refused.headers["content-type"] == "application/json"
    assert (
        refused.json()["error"]["code"] == "gone"
        and refused.json()["error"]["message"] == "该客户的信息已被删除。"
    )
    assert client.get("/api/v1/feedback?q=空调", headers=admin.headers).json()["items"] == []
    with session_scope(readonly=True) as db:
        # never surveyed again, kept as a keyed hash of the address
        assert db.scalar(select(OptOut.email)) == optouts.key("li.na@example.com")
    with store.connect(read_only=True) as conn:
        rows = conn.execute("SELECT id, customer_id, type FROM feedback_facts ORDER BY id").fetchall()
    assert len(rows) == 2 and rows[0][1] is None and rows[0][2] == "complaint"
    manager = make_account(role="manager", org_slug=admin.org_slug)
    assert client.post(f"/api/v1/customers/{cid}/erase", headers=manager.headers).status_code == 403
    other = make_account(role="admin")
    assert client.get(f"/api/v1/customers/{cid}/export", headers=other.headers).status_code == 404


def test_customers_imported_from_a_crm_export_and_exported_again(client):
    import pandas as pd

    manager = make_account(role="manager")
    _feedback(client, manager, "房间很好", email="li.na@example.com")
    frame = pd.DataFrame(
        [
            {
                "external_id": "CRM-1",
                "name": "李娜",
                "email": "LI.NA@example.com",
                "tags": "会员，商务",
                "contact_email": "否",
            },
            {
                "external_id": "CRM-2",
                "name": "Tom",
                "email": "tom@example.com",
                "value_tier": "silver",
                "region": "华南",
            },
            {"external_id": "", "name": "Nobody", "email": "", "phone": ""},
            {"external_id": "CRM-3", "name": "Bad", "email": "not an email"},
        ]
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    r = client.post(
        "/api/v1/customers/import",
        files={"file": ("crm.xlsx", buffer.getvalue(), "application/octet-stream")},
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["created"], result["updated"], result["failed"]) == (1, 1, 2)
    assert {(p["row"], p["field"]) for p in result["problems"]} == {(4, "row"), (5, "email")}
    li = client.get("/api/v1/customers?external_id=CRM-1", headers=manager.headers).json()[0]
    assert (
        li["email"] == "li.na@example.com" and li["tags"] == ["会员", "商务"] and li["contact_email"] is False
    )
    assert len(client.get(f"/api/v1/customers/{li['id']}", headers=manager.headers).json()["feedback"]) == 1

    r = client.get("/api/v1/exports/customers?format=csv", headers=manager.headers)
    import pandas as pandas_again

    exported = pandas_again.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", keep_default_na=False)
    assert set(exported["external_id"]) == {"CRM-1", "CRM-2"} and "会员;商务" in set(exported["tags"])


def test_search_takes_percent_and_underscore_literally(client):
    manager = make_account(role="manager")
    _feedback(client, manager, "房间很吵", email="li_na@example.com")
    _feedback(client, manager, "房间很吵", email="lixna@example.com")
    drain()

    def found(q: str) -> list[str]:
        r = client.get("/api/v1/customers", params={"q": q}, headers=manager.headers)
        return [c["email"] for c in r.json()]

    assert found("li_na") == ["li_na@example.com"]
    assert found("%") == [] and found("li%na") == []
