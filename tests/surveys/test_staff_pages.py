"""The staff's survey forms answer an unknown survey, or another organization's, with 404 (or
403 for a role that may not manage surveys), never with a server error."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_account
from tests.surveys.test_pages import publish
from tests.web.test_pages import csrf_of, login

FORMS = {
    "publish": {},
    "definition": {"definition": '{"languages": ["en"], "sections": []}'},
    "invitations": {"emails": "guest@example.com"},
    "reminders": {"remind_after_days": "7"},
    "delay": {"delay_hours": "24"},
    "follow-up": {"enabled": "1", "nps_max": "6"},
}


@pytest.mark.parametrize(("role", "expected"), [("admin", 404), ("manager", 404), ("agent", 403)])
def test_survey_forms_for_a_survey_not_in_this_organization_answer_404(client, role, expected):
    elsewhere = publish(client, make_account(role="admin"), template="nps")
    staff = TestClient(client.app, raise_server_exceptions=False)
    login(staff, make_account(role=role).email)
    token = csrf_of(staff.get("/inbox").text)
    for survey_id in (999_999, elsewhere["id"]):
        for form, fields in FORMS.items():
            r = staff.post(f"/surveys/{survey_id}/{form}", data={"csrf_token": token, **fields})
            assert r.status_code == expected, (survey_id, form, r.status_code)
            assert "Internal Server Error" not in r.text
