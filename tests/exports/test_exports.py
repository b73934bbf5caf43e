"""Exports of feedback, cases and survey responses as CSV, XLSX and Parquet, read back with
the libraries people use; formulas typed by customers stay text."""

import io

import duckdb
import openpyxl
import pandas as pd

from tests.factories import make_account
from voxloop.exports.formats import neutralise
from voxloop.jobs.executor import drain

HOSTILE = '=HYPERLINK("http://evil.example","点我")'


def _records(client, acct) -> None:  # type: ignore[no-untyped-def]
    items = [
        {"description": "空调坏了，一直没人修", "branch": "西湖店", "channel": "hotline"},
        {"description": HOSTILE, "channel": "web_form"},
        {"description": "+86 phone typed first", "channel": "email"},
        {"description": "Excellent dinner, thank you", "channel": "api"},
    ]
    r = client.post("/api/v1/feedback/batch", json={"items": items}, headers=acct.headers)
    assert r.status_code == 200 and r.json()["created"] == 4, r.text
    drain()


def test_feedback_as_csv_xlsx_and_parquet(client, tmp_path):
    analyst = make_account(role="analyst")
    admin = make_account(role="admin", org_slug=analyst.org_slug)
    _records(client, admin)
    r = client.get("/api/v1/exports/feedback?format=csv", headers=analyst.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    csv = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert len(csv) == 4 and list(csv["channel"]) == ["hotline", "web_form", "email", "api"]
    assert csv["description"][1] == "'" + HOSTILE and csv["description"][2] == "'+86 phone typed first"
    assert csv["type"][0] == "complaint" and csv["branch"][0] == "西湖店"
    listed = client.get("/api/v1/feedback", headers=analyst.headers).json()["items"]
    instants = sorted(pd.Timestamp(f["received_at"]) for f in listed)
    assert sorted(pd.to_datetime(csv["received_at"], utc=True)) == instants  # the same instants, in UTC

    r = client.get("/api/v1/exports/feedback?format=xlsx", headers=analyst.headers)
    path = tmp_path / "feedback.xlsx"
    path.write_bytes(r.content)
    sheet = openpyxl.load_workbook(path).active
    cells = [row for row in sheet.iter_rows(values_only=True)]
    header = list(cells[0])
    description = [row[header.index("description")] for row in cells[1:]]
    assert description[1] == "'" + HOSTILE and sheet.cell(3, header.index("description") + 1).data_type == "s"

    r = client.get("/api/v1/exports/feedback?format=parquet", headers=analyst.headers)
    path = tmp_path / "feedback.parquet"
    path.write_bytes(r.content)
    rows = duckdb.sql(f"SELECT channel, description FROM '{path}' ORDER BY id").fetchall()
    assert rows[1] == ("web_form", HOSTILE)  # Parquet is for programs: values as they are
    times = duckdb.sql(
        f"SELECT typeof(received_at), received_at FROM '{path}' ORDER BY received_at"
    ).fetchall()
    assert {t for t, _ in times} == {"TIMESTAMP WITH TIME ZONE"}
    assert [pd.Timestamp(at) for _, at in times] == instants


def test_cases_and_responses(client):
    manager = make_account(role="manager")
    _records(client, manager)
    cases = pd.read_csv(io.BytesIO(client.get("/api/v1/exports/cases", headers=manager.headers).content))
    assert len(cases) == 4 and "department_id" in cases.columns and "description" not in cases.columns
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=manager.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=manager.headers).json()["key"]
    for n, score in enumerate((10, 3)):
        client.post(
            f"/api/v1/public/surveys/{key}/responses",
            json={"language": "zh", "answers": {"nps": score, "why": "=1+1" if n else "很好"}},
            headers={"User-Agent": f"r{n}"},
        )
    r = client.get("/api/v1/exports/responses?format=csv", headers=manager.headers)
    responses = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert list(responses["nps"]) == [10, 3] and list(responses["why"]) == ["很好", "'=1+1"]


def test_export_needs_permission_stays_in_the_organization_and_checks_its_input(client):
    manager = make_account(role="manager")
    _records(client, manager)
    other = make_account(role="manager")
    assert (
        len(pd.read_csv(io.BytesIO(client.get("/api/v1/exports/feedback", headers=other.headers).content)))
        == 0
    )
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert client.get("/api/v1/exports/feedback", headers=agent.headers).status_code == 403
    r = client.get("/api/v1/exports/feedback?format=pdf", headers=manager.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "format"
    assert client.get("/api/v1/exports/passwords", headers=manager.headers).status_code == 422


def test_neutralise_only_touches_formula_triggers():
    values = (
        "=A1",
        "+1+cmd|' /C calc'!A0",
        "-2-SUM(A1)",
        "@x",
        "\tx",
        "ok",
        "中文",
        5,
        None,
        "-40.0",
        "+3.5%",
    )
    assert [neutralise(v) for v in values] == [
        "'=A1", "'+1+cmd|' /C calc'!A0", "'-2-SUM(A1)", "'@x", "'\tx",
        "ok", "中文", 5, None, "-40.0", "+3.5%",
    ]  # fmt: skip


def test_export_from_the_command_line(client, tmp_path, capsys):
    from voxloop.cli import main

    manager = make_account(role="manager")
    _records(client, manager)
    out = tmp_path / "feedback.parquet"
    main(["export", "feedback", "--org", manager.org_slug, "--output", str(out)])
    assert "4 feedback rows written" in capsys.readouterr().out
    assert duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall() == [(4,)]


def test_analytics_rows_are_exported_from_the_store(client, settings_env, tmp_path):
    from voxloop.analytics import store
    from voxloop.db import session_scope

    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))
    manager = make_account(role="manager")
    _records(client, manager)
    with session_scope(readonly=True) as db:
        store.sync(db)
    r = client.get(
        "/api/v1/exports/analytics?metric=complaint_rate&period=month&group_by=channel&format=csv",
        headers=manager.headers,
    )
    rows = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert list(rows.columns) == ["period", "group", "value", "n", "ci_low", "ci_high", "p_change"]
    assert dict(zip(rows["group"], rows["n"], strict=True)) == {
        "api": 1,
        "email": 1,
        "hotline": 1,
        "web_form": 1,
    }
    r = client.get("/api/v1/exports/analytics?metric=happiness", headers=manager.headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "metric"
