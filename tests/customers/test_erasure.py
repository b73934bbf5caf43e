"""Erasure finds every copy: a customer who touched every feature is erased, then every table
of the database (every text, JSON and binary column), the analytics store and every file in
the data directory are searched for their name, email and phone. Nothing may be left."""

import json
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.conftest import free_port
from tests.factories import make_account
from tests.web.test_pages import csrf_of
from tests.webhooks.test_webhooks import Receiver, receiver  # noqa: F401  (a fixture)
from voxloop.accounts import service as accounts
from voxloop.analytics import store
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.mail import catcher
from voxloop.mail import service as mail
from voxloop.models import Base
from voxloop.surveys.models import Invitation

NAME, EMAIL, PHONE = "欧阳娜娜", "ouyang.nana@guest.example", "13912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _forms(value: str) -> set[str]:
    """How a value may be written down: as it is, in any case, escaped in JSON."""
    escaped = json.dumps(value)[1:-1]
    return {value.lower(), escaped.lower()}


WORDS = "房间太吵"  # what they wrote on the form: their free text goes too
NEEDLES = {
    label: _forms(value)
    for label, value in (("name", NAME), ("email", EMAIL), ("phone", PHONE), ("words", WORDS))
}


def _hits(where: str, text: str) -> list[str]:
    low = text.lower()
    return [f"{where}: {label}" for label, forms in NEEDLES.items() if any(f in low for f in forms)]


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) + json.dumps(value)
    return str(value)


def _database_hits() -> list[str]:
    found: list[str] = []
    with session_scope(readonly=True) as db:
        for table in Base.metadata.sorted_tables:
            for row in db.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None:
                        found += _hits(f"{table.name}.{column}", _as_text(value))
    return found


def _store_hits() -> list[str]:
    found: list[str] = []
    with store.connect(read_only=True) as conn:
        tables = [t[0] for t in conn.execute("SHOW TABLES").fetchall()]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}").fetchall():
                found += _hits(f"analytics.{table}", " ".join(str(v) for v in row))
    return found


def _file_hits(root: Path) -> list[str]:
    found: list[str] = []
    for path in root.rglob("*"):
        if not path.is_file() or path.suffix in (".duckdb", ".wal") or path.name.startswith("voxloop.db"):
            continue  # the databases are searched above, through their own readers
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        if path.suffix == ".eml":  # headers may be RFC 2047-encoded, bodies base64
            msg = message_from_bytes(raw, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            text += " ".join(str(v) for v in msg.values())
            text += " ".join(p.get_content() for p in msg.walk() if p.get_content_maintype() == "text")
        found += _hits(str(path.relative_to(root)), text)
    return found


def _email_in(org_slug: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{NAME} <{EMAIL}>"
    msg["To"] = f"{org_slug}@feedback.example"
    msg["Subject"] = f"{NAME}的投诉"
    msg["Message-ID"] = "<erase-me-1@guest.example>"
    msg.set_content(f"空调坏了，请打 {PHONE} 找我。{NAME}")
    msg.add_attachment(f"{NAME} {PHONE}".encode(), maintype="text", subtype="plain", filename=f"{NAME}.txt")
    return bytes(msg)


def test_an_erased_customer_is_nowhere_in_the_database_the_store_or_the_files(
    client,
    settings_env,
    tmp_path,
    receiver,  # noqa: F811
):
    data_dir = tmp_path / "data"
    settings_env(
        DATA_DIR=str(data_dir), ANALYTICS_PATH=str(data_dir / "analytics.duckdb"), SMTP_PORT=str(free_port())
    )
    controller = catcher.start()
    assert controller is not None
    try:
        admin = make_account(role="admin")
        h = admin.headers
        r = client.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "events": ["feedback.created", "case.status_changed",
                                                  "survey.response_created"]},
            headers=h,
        )  # fmt: skip
        assert r.status_code == 201, r.text
        # The public form, with an attachment named after them.
        r = client.post(
            f"/f/{admin.org_slug}",
            data={
                "description": f"{WORDS}，我是{NAME}，电话 {PHONE}",
                "customer_name": NAME,
                "customer_email": EMAIL.upper(),
                "customer_phone": PHONE,
            },
            files={"attachments": (f"{NAME}-{PHONE}.png", PNG, "image/png")},
        )
        assert r.status_code == 201, r.text
        # Email, with an attachment holding their name and phone.
        with session_scope() as db:
            org = accounts.get_org_by_slug(db=db, slug=admin.org_slug)
            assert org is not None
            assert mail.take(db, org, _email_in(admin.org_slug)).outcome == "feedback"
            db.commit()
        drain()  # triage, acknowledgements (caught as .eml files), webhook deliveries
        found = client.get(f"/api/v1/customers?email={EMAIL}", headers=h).json()
        assert len(found) == 1
        cid = found[0]["id"]
        records = client.get(f"/api/v1/customers/{cid}", headers=h).json()["feedback"]
        assert len(records) == 2
        # The agent answers and corrects triage (a label keeps the text); the directory is edited.
        first = records[0]["id"]
        for record in records:
            r = client.patch(f"/api/v1/feedback/{record['id']}", json={"type": "suggestion"}, headers=h)
            assert r.status_code == 200, r.text
        r = client.post(f"/api/v1/feedback/{first}/replies", json={"text": f"{NAME}您好，已处理"}, headers=h)
        assert r.status_code in (200, 201), r.text
        r = client.patch(
            f"/api/v1/customers/{cid}",
            json={"name": f"{NAME} ", "phone": PHONE, "region": "华东", "tags": ["vip"]},
            headers=h,
        )
        assert r.status_code == 200, r.text
        # A survey: invited, answered unhappily with their contact (a follow-up case), opted out.
        survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=h).json()
        assert client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=h).status_code == 200
        r = client.post(f"/api/v1/surveys/{survey['id']}/invitations", json={"emails": [EMAIL]}, headers=h)
        assert r.status_code in (200, 201, 202), r.text
        drain()
        with session_scope(readonly=True) as db:
            token = db.scalar(select(Invitation.token))
        r = client.post(
            f"/api/v1/public/surveys/{survey['key']}/responses",
            json={
                "language": "zh",
                "token": token,
                "answers": {"nps": 1, "why": f"我是{NAME}，{PHONE}，{EMAIL}"},
                "hidden": {"guest": NAME},
                "contact": {"name": NAME, "email": EMAIL, "phone": PHONE},
            },
        )
        assert r.status_code == 201, r.text
        page = client.get(f"/s/unsubscribe/{token}")
        r = client.post(f"/s/unsubscribe/{token}", data={"csrf_token": csrf_of(page.text)})
        assert r.status_code == 200, r.text
        drain()  # the follow-up case, its webhook events
        with session_scope(readonly=True) as db:
            store.sync(db)
        assert _database_hits() and _file_hits(data_dir)  # the search finds what is there

        r = client.post(f"/api/v1/customers/{cid}/erase", headers=h)
        assert r.status_code == 200, r.text
        drain()
        with session_scope(readonly=True) as db:
            store.sync(db)
    finally:
        controller.stop()

    assert (_database_hits(), _store_hits(), _file_hits(data_dir)) == ([], [], [])

    # Erased, they stay opted out: a new invitation to their address is skipped.
    r = client.post(
        f"/api/v1/surveys/{survey['id']}/invitations", json={"emails": [EMAIL.title()]}, headers=h
    )
    assert r.status_code in (200, 201, 202) and r.json()["skipped"]["opted_out"] == 1, r.text
    assert _database_hits() == []
    # The counts keep their two records (the unhappy answer was noted on the open one), without
    # their words.
    kept = client.get("/api/v1/feedback", headers=h).json()["items"]
    assert len(kept) == 2 and {k["description"] for k in kept} == {"[erased]"}


def test_opting_out_keeps_no_address_and_still_works(client):
    admin = make_account(role="admin")
    h = admin.headers
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=h).json()
    client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=h)
    client.post(f"/api/v1/surveys/{survey['id']}/invitations", json={"emails": [EMAIL]}, headers=h)
    with session_scope(readonly=True) as db:
        token = db.scalar(select(Invitation.token))
    page = client.get(f"/s/unsubscribe/{token}")
    assert client.post(f"/s/unsubscribe/{token}", data={"csrf_token": csrf_of(page.text)}).status_code == 200
    from voxloop.surveys.models import OptOut

    with session_scope(readonly=True) as db:
        kept = list(db.scalars(select(OptOut.email)))
    assert len(kept) == 1 and "@" not in kept[0] and re.fullmatch(r"[0-9a-f]{64}", kept[0])
    other = client.post("/api/v1/surveys", json={"template": "nps"}, headers=h).json()
    client.post(f"/api/v1/surveys/{other['id']}/publish", headers=h)
    r = client.post(
        f"/api/v1/surveys/{other['id']}/invitations", json={"emails": [f" {EMAIL.upper()} "]}, headers=h
    )
    assert r.json()["skipped"]["opted_out"] == 1 and r.json()["invited"] == 0, r.text


def test_the_migration_turns_kept_addresses_into_keys(tmp_path):
    """Opt-outs written before the keyed hash keep working: revision 0024 hashes them."""
    import importlib.util

    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from voxloop.surveys import optouts

    path = Path(optouts.__file__).parent.parent / "migrations" / "versions" / "0024_optout_keys.py"
    spec = importlib.util.spec_from_file_location("optout_keys", path)
    assert spec is not None and spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    hashed = optouts.key("someone@example.com")
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE survey_optouts (id INTEGER PRIMARY KEY, org_id INTEGER, email TEXT)")
        )
        conn.execute(
            sa.text("INSERT INTO survey_optouts (org_id, email) VALUES (1, ' Li.Na@Example.com'), (1, :h)"),
            {"h": hashed},
        )
        with Operations.context(MigrationContext.configure(conn)):
            revision.upgrade()
        kept = [row[0] for row in conn.execute(sa.text("SELECT email FROM survey_optouts ORDER BY id"))]
    assert kept == [optouts.key("li.na@example.com"), hashed]


def test_a_name_written_in_another_record_goes_when_it_is_theirs_alone(client):
    """'欧阳娜娜 called' in another guest's record or a note loses the name; a Latin name only as
    a whole word; a name another customer also carries stays where it is not linked to them."""
    h = make_account(role="admin").headers

    def record(description: str, name: str | None = None, email: str | None = None) -> int:
        customer = {"name": name, "email": email} if name else None
        body = {"description": description, "customer": customer}
        r = client.post("/api/v1/feedback", json=body, headers=h)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def erase(email: str) -> None:
        cid = client.get(f"/api/v1/customers?email={email}", headers=h).json()[0]["id"]
        assert client.post(f"/api/v1/customers/{cid}/erase", headers=h).status_code == 200

    def text_of(feedback_id: int) -> str:
        record = client.get(f"/api/v1/feedback/{feedback_id}", headers=h).json()["description"]
        return record + client.get(f"/api/v1/feedback/{feedback_id}/timeline", headers=h).text

    record("空调坏了", NAME, EMAIL)
    other = record(f"{NAME}在前台和我吵架，房间302", "李雷", "lilei@guest.example")
    r = client.post(f"/api/v1/feedback/{other}/notes", json={"text": f"已回电{NAME}，她说会投诉"}, headers=h)
    assert r.status_code in (200, 201), r.text
    record("Breakfast was cold", "Anna Berg", "anna.berg@guest.example")
    latin = record("Annabel said Anna Berg shouted at the desk")
    record("账单有误", "王芳", "wangfang1@guest.example")
    record("停车太贵", "王芳", "wangfang2@guest.example")  # another guest of the same name
    shared = record("王芳打电话问账单")

    erase(EMAIL)
    erase("anna.berg@guest.example")
    erase("wangfang1@guest.example")

    assert NAME not in text_of(other)
    assert "在前台和我吵架" in text_of(other) and "她说会投诉" in text_of(other)  # the rest is kept
    assert client.get(f"/api/v1/feedback/{latin}", headers=h).json()["description"] == (
        "Annabel said [erased] shouted at the desk"
    )
    assert "王芳打电话问账单" in text_of(shared)  # it may be the other 王芳's
