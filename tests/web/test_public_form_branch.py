"""A hotel's room-card QR code opens the public form with the hotel filled in (S1)."""

from sqlalchemy import select

from tests.factories import make_account
from voxloop.accounts import service as accounts
from voxloop.audit.service import SYSTEM
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback


def test_the_form_opens_with_the_branch_of_its_qr_code(client):
    acct = make_account(role="admin")
    page = client.get(f"/f/{acct.org_slug}", params={"branch": "杭州西湖店"})
    assert page.status_code == 200
    assert 'name="branch" maxlength="200" value="杭州西湖店"' in page.text
    plain = client.get(f"/f/{acct.org_slug}")
    assert 'name="branch" maxlength="200" value=""' in plain.text
    qr = client.get(f"/f/{acct.org_slug}/qr.svg", params={"branch": "杭州西湖店"})
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    # A different address, so a different code from the whole group's.
    assert qr.content != client.get(f"/f/{acct.org_slug}/qr.svg").content


def test_an_organization_with_a_branch_list_offers_it_on_the_form_in_the_guests_language(client):
    acct = make_account(role="admin")
    with session_scope() as db:
        accounts.create_branch(
            db=db,
            org_id=acct.org_id,
            actor=SYSTEM,
            name="杭州西湖店",
            name_en="Hangzhou West Lake",
            city="杭州",
        )
        closed = accounts.create_branch(db=db, org_id=acct.org_id, actor=SYSTEM, name="旧店", city="杭州")
        closed.active = False
        db.commit()
    zh = client.get(
        f"/f/{acct.org_slug}", params={"branch": "杭州西湖店"}, headers={"Accept-Language": "zh-CN"}
    )
    assert '<select name="branch">' in zh.text and 'name="branch" maxlength' not in zh.text
    assert '<option value="杭州西湖店" selected>杭州西湖店 · 杭州</option>' in zh.text
    assert "旧店" not in zh.text  # an inactive branch is not offered
    en = client.get(f"/f/{acct.org_slug}", headers={"Accept-Language": "en"})
    assert '<option value="杭州西湖店">Hangzhou West Lake · 杭州</option>' in en.text
    # The guest picks it; the record carries the branch's name, whatever the page's language.
    sent = client.post(f"/f/{acct.org_slug}", data={"description": "房间很干净。", "branch": "杭州西湖店"})
    assert sent.status_code == 201
    with session_scope() as db:
        assert db.scalar(select(Feedback.branch).where(Feedback.org_id == acct.org_id)) == "杭州西湖店"
