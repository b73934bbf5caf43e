"""The imports page: upload, the column mapping pre-filled from a saved source, a dry run with
the per-row report and the first rows, the import itself, and the history of runs."""

import re

from tests.factories import make_account
from tests.imports.test_imports import MAPPING, _xlsx
from tests.web.test_pages import EN, csrf_of, login
from voxloop.jobs.executor import drain

UPLOAD = {"file": ("dianping-2026-10.xlsx", _xlsx(), "application/octet-stream")}


def _upload(client, token, **form):  # type: ignore[no-untyped-def]
    files = {"file": ("dianping-2026-10.xlsx", _xlsx(), "application/octet-stream")}
    return client.post("/imports/upload", data={"csrf_token": token, **form}, files=files, headers=EN)


COUNTS = re.compile(
    r'class="run-created">(\d+)<.*?class="run-duplicates">(\d+)<.*?class="run-failed">(\d+)<', re.S
)


def _counts(html: str) -> tuple[str, ...]:
    """Imported (or would be), duplicates, refused."""
    m = COUNTS.search(html)
    assert m, html
    return m.groups()


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)">', html)
    assert m, name
    return m.group(1)


def _selected(html: str) -> dict[str, str]:
    """The column chosen for each field in the mapping form."""
    out = {}
    for field, options in re.findall(
        r'<select id="column-[^"]+" name="column\.([^"]+)">(.*?)</select>', html
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        if chosen:
            out[field] = chosen.group(1)
    return out


def _mapping_form(html: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf_of(html),
        "upload": _hidden(html, "upload"),
        "filename": _hidden(html, "filename"),
        "source": re.search(r'<input name="source" maxlength="100" value="([^"]*)"', html).group(1),  # type: ignore[union-attr]
    }
    form |= {f"column.{f}": c for f, c in _selected(html).items()}
    form |= {
        f"default.{f}": v
        for f, v in re.findall(r'<input name="default\.([^"]+)" maxlength="1000" value="([^"]*)"', html)
    }
    return form | changes


def test_upload_map_dry_run_then_import(client):
    manager = make_account(role="manager")
    r = client.post(
        "/api/v1/imports/sources",
        json={"name": "dianping", "mapping": MAPPING, "defaults": {"touchpoint": "大众点评"}},
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    login(client, manager.email)
    index = client.get("/imports", headers=EN)
    assert index.status_code == 200 and '<option value="dianping">dianping</option>' in index.text

    mapping = _upload(client, csrf_of(index.text), source="dianping")
    assert mapping.status_code == 200, mapping.text
    assert _selected(mapping.text) == MAPPING  # pre-filled from the saved source
    assert 'name="default.touchpoint" maxlength="1000" value="大众点评"' in mapping.text
    assert "空调坏了一晚上没人修" in mapping.text  # the first rows of the file
    assert 'formaction="/imports/run"' not in mapping.text  # a dry run comes first

    checked = client.post("/imports/check", data=_mapping_form(mapping.text), headers=EN)
    assert checked.status_code == 200, checked.text
    assert _counts(checked.text) == ("4", "1", "2")
    problems = set(re.findall(r"<tr><td>(\d+)</td><td><code>([^<]+)</code></td>", checked.text))
    assert problems == {("4", "received_at"), ("5", "description")}
    preview = re.search(r'<table class="striped preview">(.*?)</table>', checked.text, re.S)
    # the time as the file gave it, in the organization's zone (09:30 in Shanghai), not ISO UTC
    assert preview and "10/1/26, 9:30" in preview.group(1) and "大众点评" in preview.group(1)
    assert "2026-10-01T01:30:00Z" not in preview.group(1)
    assert "<td><code>description</code></td><td>is required</td>" in checked.text
    assert 'formaction="/imports/run"' in checked.text
    assert client.get("/api/v1/feedback", headers=manager.headers).json()["items"] == []

    zh = client.post("/imports/check", data=_mapping_form(checked.text), headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and "试运行：未写入任何数据" in zh.text and "被拒绝的行" in zh.text
    assert "<td><code>description</code></td><td>必填</td>" in zh.text and "Field required" not in zh.text
    done = client.post("/imports/run", data=_mapping_form(checked.text), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/imports/runs/")
    # written in the background: the page shows the progress until it is over
    run = client.get(done.headers["location"], headers=EN).text
    assert "Import of dianping-2026-10.xlsx" in run and "Importing in the background" in run
    assert '<progress value="0" max="7">' in run and '<script src="/static/imports.js">' in run
    progress = client.get(done.headers["location"] + "/progress").json()
    assert progress == {
        "status": "running",
        "position": 0,
        "rows": 7,
        "created": 0,
        "duplicates": 0,
        "failed": 0,
    }
    assert "<mark>importing</mark>" in client.get("/imports", headers=EN).text
    drain()
    run = client.get(done.headers["location"], headers=EN).text
    assert _counts(run) == ("4", "1", "2") and "<progress" not in run
    progress = client.get(done.headers["location"] + "/progress").json()
    assert progress == {
        "status": "done",
        "position": 7,
        "rows": 7,
        "created": 4,
        "duplicates": 1,
        "failed": 2,
    }
    items = client.get("/api/v1/feedback", headers=manager.headers).json()["items"]
    assert {i["external_ref"] for i in items} == {"dp-1001", "dp-1002", "dp-1005", "dp-1006"}
    assert {i["touchpoint"] for i in items} == {"大众点评"}

    history = client.get("/imports", headers=EN).text
    runs = re.findall(r'<a href="/imports/runs/(\d+)">', history)
    assert len(runs) == 3 and history.count("<mark>dry run</mark>") == 2
    # the file is not kept once imported
    again = client.post("/imports/run", data=_mapping_form(checked.text), headers=EN)
    assert again.status_code == 422 and "upload it again" in again.text


def test_a_new_source_is_saved_with_its_mapping(client):
    manager = make_account(role="manager")
    login(client, manager.email)
    mapping = _upload(client, csrf_of(client.get("/imports").text), new_source="hotline")
    assert mapping.status_code == 200
    assert _selected(mapping.text) == {}  # no column is named like a field
    form = _mapping_form(mapping.text, **{f"column.{f}": c for f, c in MAPPING.items()})
    assert form["source"] == "hotline"
    checked = client.post("/imports/check", data=form, headers=EN)
    assert checked.status_code == 200, checked.text
    sources = client.get("/api/v1/imports/sources", headers=manager.headers).json()
    assert [(s["name"], s["mapping"]) for s in sources] == [("hotline", MAPPING)]


def test_a_bad_mapping_or_file_is_refused_naming_the_field(client):
    manager = make_account(role="manager")
    login(client, manager.email)
    token = csrf_of(client.get("/imports").text)
    mapping = _upload(client, token)
    form = _mapping_form(mapping.text, **{"column.branch": "门店"})
    assert "column.description" not in form
    r = client.post("/imports/check", data=form, headers=EN)
    assert r.status_code == 422
    assert "<code>mapping.description</code>" in r.text and "is required" in r.text
    wrong = client.post("/imports/check", data={**form, "column.description": "没有这一列"}, headers=EN)
    assert wrong.status_code == 422 and "the file has no column" in wrong.text
    forged = client.post("/imports/check", data={**form, "upload": "../../etc/passwd"}, headers=EN)
    assert forged.status_code == 422 and "upload" in forged.text

    pdf = client.post(
        "/imports/upload",
        data={"csrf_token": token},
        files={"file": ("notes.pdf", b"%PDF-1.4", "application/pdf")},
        headers=EN,
    )
    assert pdf.status_code == 422 and "<code>file</code>" in pdf.text
    unknown = _upload(client, token, source="nope")
    assert unknown.status_code == 422 and "<code>source</code>" in unknown.text
    no_csrf = client.post("/imports/upload", files=UPLOAD)
    assert no_csrf.status_code == 403


def test_imports_are_for_managers_of_their_own_organization(client):
    manager = make_account(role="manager")
    login(client, manager.email)
    token = csrf_of(client.get("/imports").text)
    mapping = _upload(client, token, source="")
    form = _mapping_form(mapping.text, **{f"column.{f}": c for f, c in MAPPING.items()})
    checked = client.post("/imports/check", data=form)
    run_id = re.search(r'href="/imports/runs/(\d+)"', client.get("/imports").text)
    assert checked.status_code == 200 and run_id
    client.cookies.clear()
    agent = make_account(role="agent", org_slug=manager.org_slug)
    login(client, agent.email)
    assert 'href="/imports"' not in client.get("/inbox").text
    assert client.get("/imports").status_code == 403
    client.cookies.clear()
    other = make_account(role="manager")
    login(client, other.email)
    assert client.get(f"/imports/runs/{run_id.group(1)}").status_code == 404
    token = csrf_of(client.get("/imports").text)
    stolen = client.post("/imports/run", data={**form, "csrf_token": token}, headers=EN)
    assert stolen.status_code == 422  # another organization's upload is not found
    assert client.get("/api/v1/feedback", headers=other.headers).json()["items"] == []


def queued_run(manager, rows: list[dict[str, str]], filename: str) -> int:  # type: ignore[no-untyped-def]
    """A CSV of `rows` (columns 时间 and 内容) kept as an upload and queued for a background
    import, as the imports page does; returns the run's id."""
    import io

    import pandas as pd

    from voxloop.accounts import service as accounts
    from voxloop.audit.service import Actor
    from voxloop.db import session_scope
    from voxloop.imports import service, staging

    buffer = io.BytesIO()
    pd.DataFrame(rows).to_csv(buffer, index=False)
    with session_scope() as db:
        org = accounts.get_org_by_slug(db=db, slug=manager.org_slug)
        key, frame = staging.keep(org_id=org.id, content=buffer.getvalue(), filename=filename)
        record = service.queue(
            db=db, org=org, actor=Actor(label="web:manager"), frame=frame, upload=key,
            mapping={"received_at": "时间", "description": "内容"}, defaults={}, filename=filename,
        )  # fmt: skip
        return record.id


def test_an_import_stopped_midway_goes_on_from_where_it_was_and_writes_each_row_once(client, monkeypatch):
    """The background import saves its position with each batch it writes; run again after a
    failure, it writes the rest only — rows without an external reference included — with the
    counts of an import that never stopped."""
    from tests.jobs.test_outbox import outbox_rows
    from voxloop.feedback import flows
    from voxloop.imports import service, tasks

    manager = make_account(role="manager")
    texts = [f"第{i}位客人：空调坏了，房间太热" for i in range(11)]
    rows = [{"时间": "2026-10-01 09:30", "内容": t} for t in texts]
    rows[4]["内容"] = ""  # refused
    rows.append(dict(rows[2]))  # the same row twice: a duplicate
    run_id = queued_run(manager, rows, "hotline.csv")

    calls = []
    receive = flows.receive

    def failing_third_batch(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(kwargs["drafts"]))
        if len(calls) == 3:
            raise RuntimeError("the worker died")
        return receive(**kwargs)

    monkeypatch.setattr(service, "CHUNK", 3)
    monkeypatch.setattr(flows, "receive", failing_third_batch)
    drain()
    login(client, manager.email)
    progress = client.get(f"/imports/runs/{run_id}/progress").json()
    # two batches of three written; the fifth row (refused) lies before the seventh: counted
    assert progress == {
        "status": "running",
        "position": 7,
        "rows": 12,
        "created": 6,
        "duplicates": 0,
        "failed": 1,
    }
    assert len(client.get("/api/v1/feedback?limit=100", headers=manager.headers).json()["items"]) == 6

    monkeypatch.setattr(flows, "receive", receive)
    (message,) = [m for m in outbox_rows(service.RUN)]
    tasks.run_import(message.payload)  # the outbox's retry
    progress = client.get(f"/imports/runs/{run_id}/progress").json()
    assert progress == {
        "status": "done",
        "position": 12,
        "rows": 12,
        "created": 10,
        "duplicates": 1,
        "failed": 1,
    }
    items = client.get("/api/v1/feedback?limit=100", headers=manager.headers).json()["items"]
    assert sorted(i["description"] for i in items) == sorted(t for i, t in enumerate(texts) if i != 4)
