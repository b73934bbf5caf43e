"""The health endpoints (readiness: 503 while the database is away; liveness) and Prometheus
metrics."""

import os
import re

from tests.factories import make_account
from voxloop import db as database


def test_health_reports_the_database_and_the_outbox(client):
    acct = make_account(role="admin")
    client.post("/api/v1/feedback", json={"description": "空调坏了"}, headers=acct.headers)
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "up"
    assert body["outbox"]["pending"] >= 1  # the triage job waits: no executor runs in tests
    assert body["outbox"]["lag_seconds"] >= 0


def test_health_answers_503_while_the_database_is_unreachable(client, settings_env):
    suite_database = os.environ["VOXLOOP_DATABASE_URL"]

    def use(url: str) -> None:
        settings_env(DATABASE_URL=url)
        database.get_engine.cache_clear()
        database.get_sessionmaker.cache_clear()

    use("postgresql+psycopg://nobody@127.0.0.1:1/gone")
    try:
        r = client.get("/api/v1/health")
        assert r.status_code == 503 and r.json()["database"] == "down" and r.headers["retry-after"]
        # the process itself is alive: restarting it would not help
        assert client.get("/api/v1/health/live").json()["status"] == "ok"
    finally:
        use(suite_database)
    assert client.get("/api/v1/health").status_code == 200


def test_metrics_count_requests_by_route_template_and_show_the_outbox(client):
    acct = make_account(role="admin")
    created = client.post("/api/v1/feedback", json={"description": "房间太吵"}, headers=acct.headers).json()
    client.get(f"/api/v1/feedback/{created['id']}", headers=acct.headers)
    client.get("/api/v1/feedback/999999999", headers=acct.headers)
    text = client.get("/metrics").text
    count = re.compile(
        r'voxloop_http_request_duration_seconds_count\{method="GET",route="/api/v1/feedback/\{feedback_id\}",'
        r'status="(\dxx)"\} (\d+)'
    )
    statuses = {m.group(1): float(m.group(2)) for m in count.finditer(text)}
    assert statuses.get("2xx", 0) >= 1 and statuses.get("4xx", 0) >= 1
    assert f"/api/v1/feedback/{created['id']}" not in text  # ids do not make series
    pending = re.search(r"^voxloop_outbox_pending (\S+)$", text, re.M)
    assert pending and float(pending.group(1)) >= 1
    assert re.search(r"^voxloop_outbox_lag_seconds \S+$", text, re.M)
