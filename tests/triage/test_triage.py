"""Triage after intake: the outbox task classifies, flags and moves records; agents correct."""

from sqlalchemy import select

from tests.factories import make_account
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.triage.models import TriageLabel


def post(client, acct, description, **extra):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/feedback", json={"description": description, **extra}, headers=acct.headers)
    assert r.status_code == 201, r.text
    return r.json()


def get(client, acct, fid):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/feedback/{fid}", headers=acct.headers).json()


def test_records_are_triaged_after_intake(client):
    acct = make_account(role="agent")
    fid = post(client, acct, "1203房间的空调坏了，一直没人来修，请马上处理", channel="hotline")["id"]
    before = get(client, acct, fid)
    assert before["status"] == "new" and before["type"] is None
    drain()
    after = get(client, acct, fid)
    assert (after["status"], after["type"], after["category"], after["sentiment"]) == (
        "triaged",
        "complaint",
        "facilities",
        "negative",
    )
    assert (after["severity"], after["urgency"], after["priority"]) == (2, 3, 2)
    timeline = client.get(f"/api/v1/feedback/{fid}/timeline", headers=acct.headers).json()
    triaged = [e for e in timeline if e["kind"] == "triaged"][0]
    assert triaged["data"]["because"]["category"] == "Facilities"


def test_a_batch_is_triaged_by_one_message_and_running_it_again_changes_nothing(client):
    acct = make_account(role="agent")
    items = [{"description": "Excellent dinner, thank you"}, {"description": "请问可以开发票吗？"}]
    results = client.post("/api/v1/feedback/batch", json={"items": items}, headers=acct.headers).json()[
        "results"
    ]
    assert drain() == 1
    ids = [r["id"] for r in results]
    assert [get(client, acct, i)["type"] for i in ids] == ["praise", "inquiry"]
    client.patch(f"/api/v1/feedback/{ids[0]}", json={"type": "suggestion"}, headers=acct.headers)
    from voxloop.jobs import service as jobs

    with session_scope() as db:  # the same message delivered twice must not undo a correction
        jobs.enqueue(db=db, task="feedback.triage", payload={"feedback_ids": ids})
        db.commit()
    drain()
    assert get(client, acct, ids[0])["type"] == "suggestion"


def test_a_message_run_twice_at_once_triages_alarms_and_announces_each_record_once(
    client, monkeypatch, settings_env
):
    """A worker whose lease ran out still works while another runs the same message: the one
    that writes second finds the records triaged and leaves them alone."""
    from voxloop.commitments.models import CaseClock
    from voxloop.jobs.models import OutboxMessage
    from voxloop.triage import service, tasks
    from voxloop.webhooks.models import WebhookDelivery

    settings_env(WEBHOOK_ALLOW_PRIVATE="true")
    acct = make_account(role="admin")
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["feedback.created", "alert.raised"]}
    assert client.post("/api/v1/webhooks", json=hook, headers=acct.headers).status_code == 201
    fid = post(client, acct, "There is a strong gas smell in room 808 right now!")["id"]
    payloads = [{"feedback_ids": [fid]}]
    plan_triage, overtaken = service.plan_triage, []

    def overtaken_while_planning(**kwargs):  # type: ignore[no-untyped-def]
        plan = plan_triage(**kwargs)
        if not overtaken:
            overtaken.append(True)
            tasks.triage(payloads)  # the other worker plans and writes first
        return plan

    monkeypatch.setattr(service, "plan_triage", overtaken_while_planning)
    tasks.triage(payloads)
    with session_scope() as db:
        events = list(db.scalars(select(WebhookDelivery.event).order_by(WebhookDelivery.event)))
        emails = list(db.scalars(select(OutboxMessage.id).where(OutboxMessage.task == service.SAFETY)))
        clocks = list(db.scalars(select(CaseClock.feedback_id).where(CaseClock.feedback_id == fid)))
    assert events == ["alert.raised", "feedback.created"]
    assert len(emails) == 1 and len(clocks) == 1
    alerts = client.get("/api/v1/alerts", headers=acct.headers).json()
    assert [a["kind"] for a in alerts] == ["safety"]


def test_spam_invalid_and_duplicates_are_flagged_never_dropped(client):
    acct = make_account(role="agent")
    spam = post(client, acct, "cheap rooms http://a.example http://b.example http://c.example")["id"]
    junk = post(client, acct, "???")["id"]
    guest = {"email": "li@example.com"}
    first = post(client, acct, "早餐等位太久了，八点左右要排十五分钟", customer=guest)["id"]
    again = post(client, acct, "早餐等位太久了，八点左右要排十五分钟！！", customer=guest)["id"]
    other = post(
        client, acct, "早餐等位太久了，八点左右要排十五分钟", customer={"email": "zhao@example.com"}
    )["id"]
    drain()
    assert (get(client, acct, spam)["flag"], get(client, acct, spam)["flag_reason"]) == ("spam", "3 links")
    assert get(client, acct, junk)["flag"] == "invalid"
    dup = get(client, acct, again)
    assert dup["flag"] == "duplicate" and f"#{first}" in dup["flag_reason"]
    assert get(client, acct, first)["flag"] is None and get(client, acct, other)["flag"] is None
    listed = client.get("/api/v1/feedback", headers=acct.headers).json()["items"]
    assert len(listed) == 5


def test_corrections_are_stored_as_labels_and_recompute_priority(client):
    acct = make_account(role="agent")
    fid = post(client, acct, "The lobby music is loud")["id"]
    drain()
    r = client.patch(
        f"/api/v1/feedback/{fid}",
        json={"category": "facilities", "severity": 3, "urgency": 3},
        headers=acct.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["category"], r.json()["priority"]) == ("facilities", 1)
    with session_scope() as db:
        labels = {(x.field, x.previous, x.value) for x in db.scalars(select(TriageLabel))}
        texts = {x.text for x in db.scalars(select(TriageLabel))}
    # a complaint ("loud") starts at medium severity; the agent raised it
    assert ("severity", "2", "3") in labels and ("urgency", None, "3") in labels
    assert texts == {"The lobby music is loud"}
    bad = client.patch(f"/api/v1/feedback/{fid}", json={"category": "astrology"}, headers=acct.headers)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "category"
    assert (
        client.patch(f"/api/v1/feedback/{fid}", json={"mood": "sad"}, headers=acct.headers).status_code == 422
    )
    viewer = make_account(role="viewer", org_slug=acct.org_slug)
    assert (
        client.patch(f"/api/v1/feedback/{fid}", json={"type": "other"}, headers=viewer.headers).status_code
        == 403
    )


def test_rules_api_create_test_delete(client):
    manager = make_account(role="manager")
    rule = {
        "name": "Pool",
        "match": {"keywords": ["泳池", "pool"]},
        "sets": {"category": "facilities"},
        "position": 0,
    }
    created = client.post("/api/v1/triage-rules", json=rule, headers=manager.headers)
    assert created.status_code == 201, created.text
    tried = client.post(
        "/api/v1/triage-rules/test", json={"text": "泳池水有点浑"}, headers=manager.headers
    ).json()
    assert tried["values"]["category"] == "facilities" and tried["because"]["category"] == "Pool"
    bad = client.post(
        "/api/v1/triage-rules",
        json={"name": "x", "match": {}, "sets": {"type": "rant"}},
        headers=manager.headers,
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} >= {"match", "sets.type"}
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert client.post("/api/v1/triage-rules", json=rule, headers=agent.headers).status_code == 403
    rule_id = created.json()["id"]
    other = make_account(role="admin")
    assert client.delete(f"/api/v1/triage-rules/{rule_id}", headers=other.headers).status_code == 404
    assert client.delete(f"/api/v1/triage-rules/{rule_id}", headers=manager.headers).status_code == 204
    names = [r["name"] for r in client.get("/api/v1/triage-rules", headers=manager.headers).json()]
    assert "Pool" not in names and "Facilities" in names


def test_categories_are_seeded_in_both_languages(client):
    acct = make_account()
    cats = {
        c["code"]: (c["name"], c["name_en"])
        for c in client.get("/api/v1/categories", headers=acct.headers).json()
    }
    assert cats["service_attitude"] == ("服务态度", "Service attitude") and len(cats) == 9


def test_the_priority_matrix_is_the_organizations_own(client):
    manager = make_account(role="manager")
    default = client.get("/api/v1/priority-matrix", headers=manager.headers).json()
    assert default["3,3"] == 1 and default["1,1"] == 4 and len(default) == 9
    stricter = {**default, "2,3": 1}  # serious and urgent counts as P1 here
    r = client.put("/api/v1/priority-matrix", json=stricter, headers=manager.headers)
    assert r.status_code == 200, r.text
    fid = post(client, manager, "1203房间的空调坏了，一直没人来修，请马上处理", channel="hotline")["id"]
    drain()
    assert get(client, manager, fid)["priority"] == 1  # severity 2, urgency 3
    client.patch(f"/api/v1/feedback/{fid}", json={"urgency": 1}, headers=manager.headers)
    assert get(client, manager, fid)["priority"] == stricter["2,1"]
    bad = client.put("/api/v1/priority-matrix", json={"3,3": 0, "4,4": 1}, headers=manager.headers)
    fields = {f["field"] for f in bad.json()["error"]["fields"]}
    assert bad.status_code == 422 and {"matrix.3,3", "matrix.4,4", "matrix.1,1"} <= fields
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert client.put("/api/v1/priority-matrix", json=stricter, headers=agent.headers).status_code == 403


def test_managers_add_rename_and_retire_categories(client):
    manager = make_account(role="manager")
    r = client.post(
        "/api/v1/categories",
        json={"code": "wifi", "name": "网络", "name_en": "Wi-Fi"},
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    assert (
        client.post(
            "/api/v1/categories", json={"code": "wifi", "name": "x"}, headers=manager.headers
        ).status_code
        == 409
    )
    bad = client.post("/api/v1/categories", json={"code": "Wi Fi!", "name": "x"}, headers=manager.headers)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "code"
    r = client.patch(
        "/api/v1/categories/wifi", json={"name": "网络与宽带", "is_active": False}, headers=manager.headers
    )
    assert r.json() == {"code": "wifi", "name": "网络与宽带", "name_en": "Wi-Fi", "is_active": False}
    fid = post(client, manager, "房间网络很慢")["id"]
    retired = client.patch(f"/api/v1/feedback/{fid}", json={"category": "wifi"}, headers=manager.headers)
    assert retired.status_code == 422  # a retired category is no longer offered
    assert (
        client.patch("/api/v1/categories/nope", json={"name": "x"}, headers=manager.headers).status_code
        == 404
    )
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert (
        client.post(
            "/api/v1/categories", json={"code": "abc", "name": "x"}, headers=agent.headers
        ).status_code
        == 403
    )


def test_scope_is_triaged_and_corrected(client):
    agent = make_account(role="agent")
    fid = post(client, agent, "整层楼都停电了，所有客人都没法休息")["id"]
    drain()
    assert get(client, agent, fid)["scope"] == "widespread"
    client.patch(f"/api/v1/feedback/{fid}", json={"scope": "several"}, headers=agent.headers)
    assert get(client, agent, fid)["scope"] == "several"
    bad = client.patch(f"/api/v1/feedback/{fid}", json={"scope": "galactic"}, headers=agent.headers)
    assert bad.status_code == 422


def test_an_organization_names_types_levels_and_scopes_its_own_way(client):
    from tests.factories import PASSWORD

    manager = make_account(role="manager")
    r = client.put(
        "/api/v1/vocabularies/type/complaint",
        json={"name": "客诉", "name_en": "Grievance"},
        headers=manager.headers,
    )
    assert r.status_code == 200, r.text
    complaint = [v for v in r.json()["type"] if v["value"] == "complaint"][0]
    assert complaint == {"value": "complaint", "name": "客诉", "name_en": "Grievance"}
    client.put(
        "/api/v1/vocabularies/severity/3",
        json={"name": "严重", "name_en": "Critical"},
        headers=manager.headers,
    )
    fid = post(client, manager, "房间着火了，有人受伤")["id"]
    drain()
    assert get(client, manager, fid)["type"] == "complaint"  # the value itself never changes
    login = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/feedback/{fid}", headers={"Accept-Language": "en"}).text
    assert 'class="triage-type">Grievance<' in page and "Critical" in page
    bad = client.put("/api/v1/vocabularies/type/rumour", json={"name": "x"}, headers=manager.headers)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "value"
    assert (
        client.put("/api/v1/vocabularies/colour/red", json={"name": "x"}, headers=manager.headers).status_code
        == 422
    )
