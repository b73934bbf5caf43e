"""`voxloop db copy`: an installation's rows (the session's database, SQLite by default) moved
into a fresh PostgreSQL database with their ids, counts checked, sequences past the copied ids,
and a target that already holds data refused."""

from datetime import datetime

import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import fresh_pg_database
from tests.factories import make_account
from voxloop import dbcopy
from voxloop.accounts.models import Department
from voxloop.customers.models import Customer
from voxloop.feedback.models import Feedback
from voxloop.surveys.models import Response

STORY = "1203房间的空调从昨晚就坏了，一直没人来修。"


def populate(client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A record from a guest (who becomes a customer), an answered NPS survey and a department
    whose head is a user (departments and users refer to each other), through the API."""
    acct = make_account()
    dept = {"name": "客房部", "head_id": acct.user_id}
    assert client.post("/api/v1/departments", json=dept, headers=acct.headers).status_code == 201
    body = {"description": STORY, "customer": {"name": "王女士", "email": "wang@example.com"}}
    record = client.post("/api/v1/feedback", json=body, headers=acct.headers)
    assert record.status_code == 201, record.text
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=acct.headers).json()
    survey = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=acct.headers).json()
    answered = client.post(
        f"/api/v1/public/surveys/{survey['key']}/responses", json={"answers": {"nps": 9}, "language": "zh"}
    )
    assert answered.status_code == 201, answered.text
    return {**record.json(), "head_id": acct.user_id}


def test_copy_moves_every_row_with_its_ids_and_refuses_a_second_time(client, database):
    record = populate(client)
    progress: dict[str, tuple[int, int]] = {}
    with fresh_pg_database() as target_url:
        counted = dbcopy.copy(
            source_url=database,
            target_url=target_url,
            progress=lambda table, done, total: progress.__setitem__(table, (done, total)),
            batch=2,  # several batches in the bigger tables (audit log, channels)
        )
        counts = {c.table: (c.source, c.target) for c in counted}
        assert counts["feedback"] == counts["customers"] == counts["survey_responses"] == (1, 1)
        assert all(source == target for source, target in counts.values())
        assert counts["audit_log"][0] > 2 and progress["audit_log"] == (counts["audit_log"][0],) * 2

        engine = create_engine(target_url)
        try:
            with engine.connect() as pg:
                row = pg.execute(
                    select(Feedback.id, Feedback.tracking_code, Feedback.description, Feedback.received_at)
                ).one()
                email = pg.scalar(select(Customer.email))
                answers = pg.scalar(select(Response.answers))
                head = pg.scalar(select(Department.head_id))
                next_id = pg.scalar(text("SELECT nextval(pg_get_serial_sequence('feedback', 'id'))"))
            assert (row.id, row.tracking_code, row.description) == (
                record["id"],
                record["tracking_code"],
                STORY,
            )
            assert row.received_at == datetime.fromisoformat(record["received_at"])
            assert email == "wang@example.com" and answers == {"nps": 9} and head == record["head_id"]
            assert next_id == record["id"] + 1  # a new record does not collide with a copied id
        finally:
            engine.dispose()

        with pytest.raises(dbcopy.CopyRefused, match="already holds data"):
            dbcopy.copy(source_url=database, target_url=target_url, progress=lambda *_: None)
