"""The DuckDB analytics store: a resumable sync, a rebuild, and indicators with n, intervals
and the test of each change — read from the store, not the OLTP database."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.factories import make_account
from voxloop.analytics import stats, store
from voxloop.db import session_scope
from voxloop.jobs.executor import drain


@pytest.fixture
def analytics(settings_env, tmp_path):  # type: ignore[no-untyped-def]
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    return tmp_path / "analytics.duckdb"


def sync(batch: int = store.BATCH) -> dict[str, int]:
    with session_scope(readonly=True) as db:
        return store.sync(db, batch=batch)


def count(table: str) -> int:
    with store.connect(read_only=True) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def test_a_sync_stopped_midway_resumes_without_loss_or_double_counting(client, analytics, monkeypatch):
    acct = make_account(role="admin")
    items = [{"description": f"房间{n}的空调坏了"} for n in range(7)]
    client.post("/api/v1/feedback/batch", json={"items": items}, headers=acct.headers)
    real_write, calls = store._write, []

    def crash_on_the_second_batch(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1])
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(store, "_write", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        sync(batch=3)
    assert count("feedback_facts") == 3  # the first batch and its watermark stayed
    monkeypatch.setattr(store, "_write", real_write)
    assert sync(batch=3)["feedback"] == 4
    assert count("feedback_facts") == 7
    assert sync(batch=3)["feedback"] == 0  # nothing twice
    drain()  # triage changes the records; the recent window brings that over
    sync()
    with store.connect(read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM feedback_facts WHERE type = 'complaint'").fetchone()[0] == 7  # type: ignore[index]


def test_indicators_by_month_with_intervals_and_the_test_of_the_change(client, analytics, clock):
    analyst = make_account(role="analyst")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=analyst.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=analyst.headers).json()["key"]
    october = [10] * 30 + [8] * 10 + [3] * 10
    november = [10] * 10 + [8] * 10 + [2] * 30
    for month, scores in ((10, october), (11, november)):
        clock.now = datetime(2026, month, 10, 12, tzinfo=UTC)
        for n, score in enumerate(scores):
            r = client.post(
                f"/api/v1/public/surveys/{key}/responses",
                json={"language": "zh", "answers": {"nps": score}},
                headers={"User-Agent": f"{month}-{n}"},
            )
            assert r.status_code == 201
    assert sync()["responses"] == 100
    clock.now = datetime(2026, 11, 30, tzinfo=UTC)
    r = client.get(
        "/api/v1/analytics/indicators?metric=nps&period=month&from=2026-09-01T00:00:00Z",
        headers=analyst.headers,
    )
    assert r.status_code == 200, r.text
    oct_row, nov_row = r.json()["rows"]
    expected = stats.nps(october)
    assert (oct_row["period"], oct_row["n"], oct_row["value"]) == ("2026-10-01", 50, expected.value)
    assert (oct_row["ci_low"], oct_row["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high))
    assert oct_row["p_change"] is None and nov_row["value"] == stats.nps(november).value == -40.0
    assert nov_row["p_change"] < 0.001  # +40 to -40 is no accident
    by_channel = client.get(
        "/api/v1/analytics/indicators?metric=complaint_rate&group_by=colour", headers=analyst.headers
    )
    assert by_channel.status_code == 422 and by_channel.json()["error"]["fields"][0]["field"] == "group_by"
    agent = make_account(role="agent", org_slug=analyst.org_slug)
    assert client.get("/api/v1/analytics/indicators?metric=nps", headers=agent.headers).status_code == 403


def test_complaint_rate_by_channel_and_a_rebuild(client, analytics):
    acct = make_account(role="admin")
    for text, channel in (
        ("空调坏了，很不满意", "hotline"),
        ("Excellent dinner, thank you", "hotline"),
        ("请问几点退房？", "email"),
    ):
        client.post("/api/v1/feedback", json={"description": text, "channel": channel}, headers=acct.headers)
    drain()
    sync()
    rows = client.get(
        "/api/v1/analytics/indicators?metric=complaint_rate&group_by=channel", headers=acct.headers
    ).json()["rows"]
    rates = {r["group"]: (r["value"], r["n"]) for r in rows}
    assert rates == {"email": (0.0, 1), "hotline": (0.5, 2)}
    with session_scope(readonly=True) as db:
        assert store.rebuild(db)["feedback"] == 3
    assert count("feedback_facts") == 3


@contextmanager
def held_elsewhere(analytics: Path, seconds: float) -> Iterator[None]:
    """Another process (a sync in another worker) holds the store's file for `seconds`."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(analytics)!r}); "
            f"print('held', flush=True); time.sleep({seconds}); c.close(); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_store_held_by_a_sync_elsewhere_answers_503_not_500(client, analytics):
    acct = make_account(role="admin")
    sync()
    with held_elsewhere(analytics, 30):
        r = client.get("/api/v1/analytics/indicators?metric=nps", headers=acct.headers)
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"


def test_a_short_hold_elsewhere_is_waited_for(client, analytics):
    acct = make_account(role="admin")
    sync()
    with held_elsewhere(analytics, 1):
        r = client.get("/api/v1/analytics/indicators?metric=complaint_rate", headers=acct.headers)
    assert r.status_code == 200, r.text


def test_reads_wait_for_a_write_in_the_same_process(client, analytics):
    """DuckDB refuses a read-only connection while the process has a read-write one open; the
    store's readers wait for the writer instead of failing (a 500 before)."""
    import threading

    acct = make_account(role="admin")
    sync()
    writing, release = threading.Event(), threading.Event()

    def write() -> None:
        with store.connect() as conn:
            conn.execute("SELECT 1")
            writing.set()
            release.wait(10)

    writer = threading.Thread(target=write)
    writer.start()
    assert writing.wait(10)
    threading.Timer(0.5, release.set).start()
    r = client.get("/api/v1/analytics/indicators?metric=complaint_rate", headers=acct.headers)
    writer.join()
    assert r.status_code == 200, r.text
    assert count("feedback_facts") == 0


def test_commitment_compliance_comes_from_the_store(client, analytics, clock):
    manager = make_account(role="manager")
    clock.now = datetime(2026, 11, 26, 2, tzinfo=UTC)  # Thursday 10:00 in Shanghai
    fid = client.post(
        "/api/v1/feedback", json={"description": "空调坏了，一直没人来修"}, headers=manager.headers
    ).json()["id"]
    drain()
    for to in ("in_progress", "resolved"):
        client.post(f"/api/v1/feedback/{fid}/transitions", json={"to": to}, headers=manager.headers)
    assert sync()["clocks"] == 1
    clock.advance(hours=1)
    rows = client.get("/api/v1/analytics/indicators?metric=compliance", headers=manager.headers).json()[
        "rows"
    ]
    assert [(r["period"], r["value"], r["n"]) for r in rows] == [
        ("2026-11-01", 1.0, 2)
    ]  # response and resolution kept


def test_sentiment_and_themes_reach_the_store(client, analytics):
    from tests.themes import scenario

    manager = make_account(role="manager")
    client.post("/api/v1/feedback/batch", json={"items": scenario.items()}, headers=manager.headers)
    drain()
    client.post("/api/v1/themes/discover", json={}, headers=manager.headers)
    drain()
    copied = sync()
    assert copied["themes"] == 2 and copied["feedback"] == len(scenario.items())
    with store.connect(read_only=True) as conn:
        scopes = conn.execute("SELECT scope, size, customers FROM theme_facts ORDER BY scope").fetchall()
        negative = conn.execute("SELECT count(*) FROM feedback_facts WHERE sentiment = 'negative'").fetchone()
    assert scopes == [("common", 6, 6), ("individual", 3, 1)]
    assert negative is not None and negative[0] >= 15  # the Wi-Fi and breakfast complaints
    assert sync()["themes"] == 0  # resumed from the watermark
    rows = client.get(
        "/api/v1/analytics/indicators?metric=negative_share&period=month&group_by=sentiment",
        headers=manager.headers,
    ).json()["rows"]
    assert {r["group"] for r in rows} >= {"negative", "positive"}
    assert all(r["value"] == (1.0 if r["group"] == "negative" else 0.0) for r in rows)


def test_each_fact_table_is_written_by_the_names_of_all_its_columns(analytics):
    with store.connect() as conn:
        for table, columns in store.COLUMNS.items():
            stored = [name for name, *_ in conn.execute(f"DESCRIBE {table}").fetchall()]
            assert sorted(stored) == sorted(columns), table
