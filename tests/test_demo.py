"""The demo that `make run` loads: staff, routing, a closed history and a few open cases."""

from voxloop import demo
from voxloop.cases import kpis
from voxloop.common.time import utcnow
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback


def test_the_demo_loads_with_routed_cases_and_a_history(client):
    message = demo.load(months=2, per_month=20)
    assert "loaded demo organization 'cloudhill'" in message
    assert "exists already" in demo.load()
    with session_scope() as db:
        rows = db.query(Feedback.status, Feedback.department_id).all()
        org_id = db.query(Feedback.org_id).first()[0]
        report = kpis.report(db, org_id, "department", utcnow().replace(year=utcnow().year - 1), utcnow())
    assert len(rows) == 40
    assert sum(1 for _, dept in rows if dept is not None) >= 20  # routing rules took most cases
    assert {"closed"} <= {s for s, _ in rows}
    assert report["total"]["resolution_rate"] > 0.5 and report["total"]["first_response_hours"] is not None
