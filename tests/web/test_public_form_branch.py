"""A hotel's room-card QR code opens the public form with the hotel filled in (S1)."""

from tests.factories import make_account


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
