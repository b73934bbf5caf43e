"""Importing a review platform's export: a saved mapping, a dry run with a per-row report,
the import itself (triaged, in the organization's time zone), and duplicates on a second run."""

import io
import json

import pandas as pd
from sqlalchemy import func, select

from tests.factories import make_account
from voxloop.cli import main
from voxloop.commitments.models import CaseClock
from voxloop.db import session_scope
from voxloop.jobs.executor import drain

ROWS = [
    {
        "评论ID": "dp-1001",
        "评论时间": "2026-10-01 09:30",
        "门店": "西湖店",
        "评论内容": "空调坏了一晚上没人修，太失望了",
    },
    {
        "评论ID": "dp-1002",
        "评论时间": "2026-10-02 20:15",
        "门店": "外滩店",
        "评论内容": "前台服务热情，房间干净，下次还来",
    },
    {"评论ID": "dp-1003", "评论时间": "昨天", "门店": "外滩店", "评论内容": "早餐一般"},
    {"评论ID": "dp-1004", "评论时间": "2026-10-03 08:00", "门店": "国贸店", "评论内容": ""},
    {
        "评论ID": "dp-1002",
        "评论时间": "2026-10-02 20:15",
        "门店": "外滩店",
        "评论内容": "前台服务热情，房间干净，下次还来",
    },
    {
        "评论ID": "dp-1005",
        "评论时间": "2026-10-04 12:00",
        "门店": "国贸店",
        "评论内容": "停车位太少，晚上回来没地方停",
    },
    {
        "评论ID": "dp-1006",
        "评论时间": "2026-10-05",
        "门店": "西湖店",
        "评论内容": "Wi-Fi keeps dropping in room 1203",
    },
]
MAPPING = {"external_ref": "评论ID", "received_at": "评论时间", "branch": "门店", "description": "评论内容"}


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(ROWS).to_excel(buffer, index=False)
    return buffer.getvalue()


def _import(client, acct, **form):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/imports",
        data=form,
        files={"file": ("dianping-2026-10.xlsx", _xlsx(), "application/octet-stream")},
        headers=acct.headers,
    )


def test_dry_run_then_import_then_duplicates(client):
    manager = make_account(role="manager")
    r = client.post(
        "/api/v1/imports/sources",
        json={"name": "dianping", "mapping": MAPPING, "defaults": {"touchpoint": "大众点评"}},
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text

    r = _import(client, manager, source="dianping", dry_run="true")
    assert r.status_code == 200, r.text
    run = r.json()["run"]
    assert (run["dry_run"], run["rows"], run["created"], run["duplicates"], run["failed"]) == (
        True,
        7,
        4,
        1,
        2,
    )
    assert {(p["row"], p["field"]) for p in run["problems"]} == {(4, "received_at"), (5, "description")}
    preview = r.json()["preview"]
    assert preview[0]["received_at"] == "2026-10-01T01:30:00Z"  # 09:30 in Asia/Shanghai
    assert preview[0]["touchpoint"] == "大众点评" and preview[0]["channel"] == "import"
    assert client.get("/api/v1/feedback", headers=manager.headers).json()["items"] == []

    run = _import(client, manager, source="dianping").json()["run"]
    assert (run["dry_run"], run["created"], run["duplicates"], run["failed"]) == (False, 4, 1, 2)
    drain()
    items = client.get("/api/v1/feedback", headers=manager.headers).json()["items"]
    by_ref = {i["external_ref"]: i for i in items}
    assert set(by_ref) == {"dp-1001", "dp-1002", "dp-1005", "dp-1006"}
    assert by_ref["dp-1001"]["type"] == "complaint" and by_ref["dp-1002"]["type"] == "praise"
    assert by_ref["dp-1001"]["branch"] == "西湖店" and by_ref["dp-1001"]["channel"] == "import"
    # history is classified, not worked: no deadlines started, nobody assigned
    with session_scope(readonly=True) as db:
        assert db.scalar(select(func.count()).select_from(CaseClock)) == 0
    assert {i["assignee"] for i in items} == {None}

    again = _import(client, manager, source="dianping").json()["run"]
    assert (again["created"], again["duplicates"]) == (0, 5)
    runs = client.get("/api/v1/imports", headers=manager.headers).json()
    assert [(r["dry_run"], r["created"]) for r in runs] == [(False, 0), (False, 4), (True, 4)]


def test_a_background_import_answers_202_and_is_followed_until_done(client):
    manager = make_account(role="manager")
    r = _import(client, manager, mapping=json.dumps(MAPPING), background="true")
    assert r.status_code == 202, r.text
    run = r.json()["run"]
    assert (run["status"], run["position"], run["rows"], run["created"]) == ("running", 0, 7, 0)
    assert client.get("/api/v1/feedback", headers=manager.headers).json()["items"] == []
    assert client.get(f"/api/v1/imports/{run['id']}", headers=manager.headers).json()["status"] == "running"
    drain()
    done = client.get(f"/api/v1/imports/{run['id']}", headers=manager.headers).json()
    assert (done["status"], done["position"], done["created"], done["duplicates"], done["failed"]) == (
        "done", 7, 4, 1, 2,
    )  # fmt: skip
    assert {p["row"] for p in done["problems"]} == {4, 5}
    items = client.get("/api/v1/feedback", headers=manager.headers).json()["items"]
    assert {i["external_ref"] for i in items} == {"dp-1001", "dp-1002", "dp-1005", "dp-1006"}
    assert client.get("/api/v1/imports/99999", headers=manager.headers).status_code == 404

    r = _import(client, manager, mapping=json.dumps(MAPPING), background="true", dry_run="true")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "background"


def test_a_bad_mapping_is_refused_naming_the_field(client):
    manager = make_account(role="manager")
    r = _import(client, manager, mapping=json.dumps({"description": "内容", "colour": "门店"}))
    assert r.status_code == 422
    fields = {f["field"]: f["reason"] for f in r.json()["error"]["fields"]}
    assert "the file has no column '内容'" in fields["mapping.description"]
    assert "is not a feedback field" in fields["mapping.colour"]
    r = _import(client, manager, mapping="{not json")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "mapping"
    r = _import(client, manager)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "mapping"
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert _import(client, agent, mapping=json.dumps(MAPPING)).status_code == 403


def test_import_from_the_command_line(client, tmp_path, capsys):
    manager = make_account(role="manager")
    source = tmp_path / "hotline.csv"
    pd.DataFrame(ROWS).to_csv(source, index=False)
    spec = tmp_path / "mapping.json"
    spec.write_text(json.dumps({"mapping": MAPPING, "defaults": {"channel": "hotline"}}), "utf-8")
    main(["import", str(source), "--org", manager.org_slug, "--mapping", str(spec), "--dry-run"])
    out = capsys.readouterr().out
    assert "7 rows: 4 would be created, 1 duplicates, 2 refused" in out and "row 4: received_at" in out
    main(["import", str(source), "--org", manager.org_slug, "--mapping", str(spec), "--no-classify"])
    assert "4 created" in capsys.readouterr().out
    items = client.get("/api/v1/feedback", headers=manager.headers).json()["items"]
    assert len(items) == 4 and {i["channel"] for i in items} == {"hotline"}
    assert {i["sentiment"] for i in items} == {None}  # left to a worker


def test_an_organization_runs_at_most_the_allowed_imports_at_once(client, settings_env):
    settings_env(IMPORT_MAX_RUNNING="1")
    manager = make_account(role="manager")
    other = make_account(role="manager")
    assert _import(client, manager, mapping=json.dumps(MAPPING), background="true").status_code == 202
    busy = _import(client, manager, mapping=json.dumps(MAPPING), background="true")
    assert busy.status_code == 429
    [field] = busy.json()["error"]["fields"]
    assert field["field"] == "file" and "at most 1 at once" in field["reason"]
    assert busy.headers["retry-after"]
    assert _import(client, other, mapping=json.dumps(MAPPING), background="true").status_code == 202
    drain()
    assert _import(client, manager, mapping=json.dumps(MAPPING), background="true").status_code == 202


def test_an_upload_above_the_background_size_answers_202_before_it_is_read(client, settings_env):
    """Past VOXLOOP_IMPORT_BACKGROUND_BYTES the file is kept unread and imported by the job: the
    answer does not wait for the workbook to be read (rows: 0 until the job counts them)."""
    settings_env(IMPORT_BACKGROUND_BYTES=str(len(_xlsx()) // 2))
    manager = make_account(role="manager")
    r = _import(client, manager, mapping=json.dumps(MAPPING))
    assert r.status_code == 202, r.text
    run = r.json()["run"]
    assert (run["status"], run["rows"], run["position"]) == ("running", 0, 0)
    drain()
    done = client.get(f"/api/v1/imports/{run['id']}", headers=manager.headers).json()
    assert (done["status"], done["rows"], done["created"], done["duplicates"], done["failed"]) == (
        "done", 7, 4, 1, 2,
    )  # fmt: skip

    # What the request no longer checks, the job does, and says so in the run's problems.
    wrong = _import(client, manager, mapping=json.dumps({**MAPPING, "description": "内容"}))
    assert wrong.status_code == 202, wrong.text
    not_a_table = client.post(
        "/api/v1/imports",
        data={"mapping": json.dumps(MAPPING)},
        files={"file": ("reviews.xlsx", b"PK\x03\x04" + b"\x00" * len(_xlsx()), "application/octet-stream")},
        headers=manager.headers,
    )
    assert not_a_table.status_code == 202
    drain()
    runs = {r["id"]: r for r in client.get("/api/v1/imports", headers=manager.headers).json()}
    failed = runs[wrong.json()["run"]["id"]]
    assert failed["status"] == "failed" and "no column '内容'" in failed["problems"][0]["reason"]
    unread = runs[not_a_table.json()["run"]["id"]]
    assert unread["status"] == "failed" and unread["problems"][0]["field"] == "file"
    assert "the uploaded file" in unread["problems"][0]["reason"]

    # A dry run is answered with its report, whatever the size; a file of no table type is refused at once.
    assert _import(client, manager, mapping=json.dumps(MAPPING), dry_run="true").status_code == 200
    r = client.post(
        "/api/v1/imports",
        data={"mapping": json.dumps(MAPPING)},
        files={"file": ("reviews.exe", b"MZ" * len(_xlsx()), "application/octet-stream")},
        headers=manager.headers,
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "file"
