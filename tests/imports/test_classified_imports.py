"""An import classifies its rows before it writes them: each record is written once, already
triaged, by the same rules and models as live feedback; a large file is checked and classified
in parts by forked processes, with the same result as one process."""

import json

import pandas as pd
import pytest
from sqlalchemy import select

from tests.factories import make_account
from voxloop.accounts import service as accounts
from voxloop.audit.service import SYSTEM
from voxloop.cli import main
from voxloop.commitments.models import CaseClock
from voxloop.common import forked
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.imports import service
from voxloop.jobs.models import OutboxMessage
from voxloop.text import corpora
from voxloop.triage.service import DUPLICATE_WINDOW

MAPPING = {"external_ref": "id", "received_at": "time", "description": "text", "customer.email": "email"}
TRIAGE_COLUMNS = ("type", "category", "sentiment", "severity", "urgency", "scope", "priority", "flag")


def _records(org_slug: str) -> dict[str, Feedback]:
    with session_scope(readonly=True) as db:
        org = accounts.get_org_by_slug(db=db, slug=org_slug)
        assert org is not None
        return {f.external_ref: f for f in db.scalars(select(Feedback).where(Feedback.org_id == org.id))}


def _pending_triage() -> int:
    with session_scope(readonly=True) as db:
        messages = db.scalars(select(OutboxMessage).where(OutboxMessage.task == "feedback.triage"))
        return sum(1 for m in messages if m.status == "pending")


def test_the_command_line_import_writes_each_row_once_already_triaged(client, tmp_path, capsys):
    manager = make_account(role="manager")
    rows = pd.DataFrame(
        {
            "id": ["a-1", "a-2", "a-3", "a-4"],
            "time": ["2026-10-01 09:30", "2026-10-01 10:00", "2026-10-01 11:00", "2026-10-01 12:00"],
            "text": [
                "空调坏了一晚上没人修，太失望了",
                "前台服务热情，房间干净，下次还来",
                "厨房着火了，有客人受伤",  # the safety check: severity and urgency 3, P1
                "空调坏了一晚上没人修，太失望了！",  # the same customer again, minutes later
            ],
            "email": ["wang@example.com", "", "", "wang@example.com"],
        }
    )
    source = tmp_path / "reviews.csv"
    rows.to_csv(source, index=False)
    spec = tmp_path / "mapping.json"
    spec.write_text(json.dumps({"mapping": MAPPING}), "utf-8")
    before = _pending_triage()
    main(["import", str(source), "--org", manager.org_slug, "--mapping", str(spec)])
    assert "4 rows: 4 created" in capsys.readouterr().out
    records = _records(manager.org_slug)
    assert all(r.status == "triaged" and r.triaged_at is not None for r in records.values())
    assert records["a-1"].sentiment == "negative" and records["a-1"].type == "complaint"
    assert records["a-2"].sentiment == "positive"
    assert (records["a-3"].severity, records["a-3"].urgency, records["a-3"].priority) == (3, 3, 1)
    assert records["a-3"].alarm == "fire_smoke"
    assert records["a-3"].triage_reasons["severity"] == "safety: 着火"
    # the customer's second, near-identical message within the window is flagged, not dropped
    assert records["a-4"].received_at - records["a-1"].received_at < DUPLICATE_WINDOW
    assert records["a-4"].flag == "duplicate" and f"#{records['a-1'].id}" in records["a-4"].flag_reason
    assert records["a-1"].flag is None
    # nothing left for the outbox's triage, and imported history starts no clocks
    assert _pending_triage() == before
    with session_scope(readonly=True) as db:
        ids = [r.id for r in records.values()]
        assert not db.scalars(select(CaseClock).where(CaseClock.feedback_id.in_(ids))).first()


def _reviews(n: int) -> pd.DataFrame:
    """Real reviews, with what an export holds besides: refused rows and repeated ones."""
    texts = corpora.zh_reviews()["text"].head(n).tolist()
    texts += corpora.en_sentences()["text"].head(n // 10).tolist()
    frame = pd.DataFrame(
        {
            "id": [f"r-{i}" for i in range(len(texts))],
            "time": [f"2026-09-{1 + i % 28:02d} {i % 24:02d}:00" for i in range(len(texts))],
            "text": texts,
            "email": [f"c{i % 50}@example.com" if i % 7 == 0 else "" for i in range(len(texts))],
        }
    )
    frame.loc[5, "time"] = "not a time"
    frame.loc[17, "text"] = ""
    return pd.concat([frame, frame.iloc[100:150]], ignore_index=True)  # exported twice


@pytest.mark.inprocess
def test_a_large_import_checked_by_forked_processes_equals_one_process(client):
    frame = _reviews(4_500)
    assert len(frame) >= 2 * forked.PART and forked.may_fork()  # so two processes do share it
    results = {}
    for processes in (1, 2):
        admin = make_account(role="admin")
        with session_scope() as db:
            org = accounts.get_org_by_slug(db=db, slug=admin.org_slug)
            assert org is not None
            run, preview = service.run(
                db=db, org=org, actor=SYSTEM, frame=frame, mapping=MAPPING, defaults={}, filename="r.csv",
                classify=True, processes=processes,
            )  # fmt: skip
            counts = (run.rows, run.created, run.duplicates, run.failed, run.position, run.status)
        records = _records(admin.org_slug)
        columns = {
            ref: tuple(getattr(r, c) for c in (*TRIAGE_COLUMNS, "language", "search_text", "status"))
            for ref, r in records.items()
        }
        results[processes] = (counts, run.problems, preview, columns)
    one, two = results[1], results[2]
    assert one[0] == (len(frame), len(frame) - 52, 50, 2, len(frame), "done")
    assert {(p["row"], p["field"]) for p in one[1]} == {(7, "received_at"), (19, "description")}
    assert one == two
    assert {c[-1] for c in one[3].values()} == {"triaged"}
    assert {c[2] for c in one[3].values()} == {"negative", "neutral", "positive"}


def test_an_import_into_an_organization_that_redacts_stores_and_classifies_the_redacted_text(
    client, tmp_path, capsys
):
    admin = make_account(role="admin")
    assert client.put("/api/v1/privacy", json={"redact_pii": True}, headers=admin.headers).status_code == 200
    source = tmp_path / "hotline.csv"
    source.write_text("id,text\nh-1,房卡丢了，太失望了，请打我电话 13812345678\n", "utf-8")
    spec = tmp_path / "mapping.json"
    spec.write_text(json.dumps({"mapping": {"external_ref": "id", "description": "text"}}), "utf-8")
    main(["import", str(source), "--org", admin.org_slug, "--mapping", str(spec)])
    assert "1 rows: 1 created" in capsys.readouterr().out
    record = _records(admin.org_slug)["h-1"]
    assert record.description == "房卡丢了，太失望了，请打我电话 [PHONE]"
    assert "13812345678" not in record.search_text
    assert record.status == "triaged" and record.sentiment == "negative"
