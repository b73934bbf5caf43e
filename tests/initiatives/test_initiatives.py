"""An improvement initiative from an emerging-issue alert to a verdict: the baseline computed,
actions, the before/after test with its effect size and a control chart, closing, and the
recurrence watch."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_account
from tests.initiatives import scenario
from voxloop.analytics import store
from voxloop.db import session_scope
from voxloop.jobs.executor import drain

T0 = datetime(2026, 9, 1, 12, tzinfo=UTC)


def post(client, acct, items):  # type: ignore[no-untyped-def]
    for i in range(0, len(items), 500):
        r = client.post("/api/v1/feedback/batch", json={"items": items[i : i + 500]}, headers=acct.headers)
        assert r.status_code == 200 and r.json()["failed"] == 0, r.text
    drain()


def alert_for_wifi(client, manager, clock):  # type: ignore[no-untyped-def]
    clock.now = T0
    post(client, manager, scenario.items(T0 - timedelta(days=56), 56, 2, 2, "before"))  # half about Wi-Fi
    client.post("/api/v1/themes/discover", json={}, headers=manager.headers)
    drain()
    alerts = client.get("/api/v1/alerts", headers=manager.headers).json()
    themes = {
        a["id"]: client.get(f"/api/v1/themes/{a['theme_id']}", headers=manager.headers).json() for a in alerts
    }
    # the other complaints repeat too and may be common problems of their own; one alert is Wi-Fi's
    wifi = [
        a
        for a in alerts
        if any(t in ("断线", "无线网络", "无线", "网络", "wifi") for t in themes[a["id"]]["terms"][:3])
    ]
    assert wifi, [t["terms"] for t in themes.values()]
    return wifi[0]


@pytest.fixture
def analytics(settings_env, tmp_path):  # type: ignore[no-untyped-def]
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))


def test_from_an_alert_to_an_achieved_verdict_and_a_recurrence_alert(client, clock, analytics):
    manager = make_account(role="manager")
    alert = alert_for_wifi(client, manager, clock)
    r = client.post(
        "/api/v1/initiatives",
        json={
            "title": "修好客房无线网络",
            "origin_kind": "alert",
            "origin_ref": str(alert["id"]),
            "target_value": 0.2,
            "deadline": "2026-10-31",
        },  # fmt: skip
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    initiative = r.json()
    assert initiative["metric"] == "mention_share" and initiative["direction"] == "decrease"
    assert initiative["baseline_n"] == 112 and initiative["baseline_value"] == pytest.approx(0.5)
    iid = initiative["id"]
    detail = client.get(f"/api/v1/initiatives/{iid}", headers=manager.headers).json()
    assert detail["linked_feedback"] >= 3  # the theme's records
    r = client.post(
        f"/api/v1/initiatives/{iid}/actions",
        json={"title": "更换西湖店路由器", "process_step": "facilities", "due": "2026-09-15"},
        headers=manager.headers,
    )
    assert r.status_code == 201
    action = r.json()
    r = client.patch(
        f"/api/v1/initiatives/{iid}/actions/{action['id']}", json={"status": "done"}, headers=manager.headers
    )
    assert r.json()["status"] == "done" and r.json()["done_at"]
    r = client.post(
        f"/api/v1/initiatives/{iid}/actions",
        json={"title": "x", "process_step": "magic"},
        headers=manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "process_step"

    early = client.get(f"/api/v1/initiatives/{iid}/evaluation", headers=manager.headers).json()
    assert early["after"]["n"] == 0 and early["verdict"] == "not_enough_data"

    clock.now = T0 + timedelta(days=28)
    post(client, manager, scenario.items(T0, 28, 2, 10, "after"))  # one in ten about Wi-Fi
    result = client.get(f"/api/v1/initiatives/{iid}/evaluation", headers=manager.headers).json()
    assert result["before"]["n"] == 112 and result["after"]["n"] == 56
    assert result["after"]["value"] == pytest.approx(5 / 56)
    assert result["after"]["ci_low"] < result["after"]["value"] < result["after"]["ci_high"]
    assert result["test"]["test"] == "two-proportion z" and result["test"]["p"] < 0.001
    assert result["test"]["effect"] == "cohens_h" and result["test"]["effect_size"] < -0.8
    assert result["verdict"] == "achieved"
    chart = result["chart"]
    assert len(chart["weeks"]) == 12 and chart["intervention"] == 8
    assert chart["centre"] == pytest.approx(0.5) and len(chart["upper"]) == 12

    closed = client.post(f"/api/v1/initiatives/{iid}/close", headers=manager.headers).json()
    assert (closed["status"], closed["verdict"]) == ("closed", "achieved")
    assert client.post(f"/api/v1/initiatives/{iid}/close", headers=manager.headers).status_code == 409

    clock.now = T0 + timedelta(days=42)
    post(client, manager, scenario.items(T0 + timedelta(days=35), 7, 3, 2, "back"))  # it comes back
    client.post("/api/v1/themes/discover", json={}, headers=manager.headers)
    drain()
    kinds = [a["kind"] for a in client.get("/api/v1/alerts?open=true", headers=manager.headers).json()]
    assert "recurrence" in kinds


def test_an_initiative_on_a_rate_from_the_analytics_store(client, clock, analytics):
    manager = make_account(role="manager")
    praise = {"description": "前台服务非常好，谢谢", "branch": "西湖店"}
    clock.now = T0
    before = scenario.items(T0 - timedelta(days=28), 28, 2, 2, "before")
    post(client, manager, before + [{**praise, "received_at": item["received_at"]} for item in before[::3]])
    clock.now = T0 + timedelta(days=14)
    after = scenario.items(T0, 14, 2, 2, "after")
    post(client, manager, after + [{**praise, "received_at": item["received_at"]} for item in after[::3]])
    with session_scope(readonly=True) as db:
        store.sync(db)
    r = client.post(
        "/api/v1/initiatives",
        json={
            "title": "Fewer negative comments at 西湖店",
            "origin_kind": "manual",
            "metric": "negative_share",
            "filters": {"branch": "西湖店"},
            "target_value": 0.5,
            "deadline": "2026-12-31",
            "started_at": T0.isoformat(),
            "baseline_days": 28,
        },  # fmt: skip
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    initiative = r.json()
    assert initiative["baseline_n"] == 37 and 0.3 < initiative["baseline_value"] < 0.7  # half are praise
    result = client.get(f"/api/v1/initiatives/{initiative['id']}/evaluation", headers=manager.headers).json()
    assert result["verdict"] == "no_significant_change" and result["test"]["p"] > 0.05


def test_initiatives_check_their_input_and_stay_in_their_organization(client):
    manager = make_account(role="manager")
    base = {"title": "x", "target_value": 0.1, "deadline": "2026-12-31"}
    r = client.post(
        "/api/v1/initiatives",
        json={**base, "origin_kind": "alert", "origin_ref": "999"},
        headers=manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "origin_ref"
    r = client.post(
        "/api/v1/initiatives",
        json={**base, "origin_kind": "manual", "metric": "happiness"},
        headers=manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "metric"
    r = client.post(
        "/api/v1/initiatives",
        json={**base, "origin_kind": "category", "origin_ref": "facilities", "metric": "mention_share"},
        headers=manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "terms"
    r = client.post(
        "/api/v1/initiatives",
        json={**base, "origin_kind": "manual", "metric": "mention_share", "terms": ["wifi"]},
        headers=manager.headers,
    )
    assert r.status_code == 201
    other = make_account(role="manager")
    assert client.get(f"/api/v1/initiatives/{r.json()['id']}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/initiatives", headers=other.headers).json() == []
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert (
        client.post(
            "/api/v1/initiatives", json={**base, "origin_kind": "manual"}, headers=agent.headers
        ).status_code
        == 403
    )


def test_a_goal_stated_as_a_cut_of_the_baseline_and_an_action_owned_in_the_organization(client, clock):
    manager = make_account(role="manager")
    alert = alert_for_wifi(client, manager, clock)
    body = {
        "title": "Wi-Fi 投诉减半",
        "origin_kind": "alert",
        "origin_ref": str(alert["id"]),
        "deadline": "2026-10-31",
    }
    r = client.post("/api/v1/initiatives", json={**body, "cut": 0.5}, headers=manager.headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["baseline_value"] == pytest.approx(0.5) and made["target_value"] == pytest.approx(0.25)
    for wrong, field in (({}, "target_value"), ({"cut": 1.5}, "cut")):
        r = client.post("/api/v1/initiatives", json={**body, **wrong}, headers=manager.headers)
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == field, r.text
    iid = client.get("/api/v1/initiatives", headers=manager.headers).json()[0]["id"]
    stranger = make_account(role="handler")  # of another organization
    r = client.post(
        f"/api/v1/initiatives/{iid}/actions",
        json={"title": "换路由器", "process_step": "facilities", "owner_id": stranger.user_id},
        headers=manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "owner_id", r.text
