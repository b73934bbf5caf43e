"""The development mail catcher: with no SMTP server configured, what the outbox sends is
kept and shown to admins on /admin/mail; configured or production mail is never caught."""

from tests.conftest import free_port
from tests.factories import make_account
from tests.web.test_pages import EN, login
from voxloop.config import get_settings
from voxloop.jobs.executor import drain
from voxloop.mail import catcher


def test_mail_sent_through_the_outbox_shows_on_the_admin_mail_page(client, settings_env, tmp_path):
    settings_env(SMTP_PORT=str(free_port()), DATA_DIR=str(tmp_path))
    controller = catcher.start()
    assert controller is not None
    try:
        admin = make_account(role="admin")
        r = client.post(
            "/api/v1/public/feedback",
            json={
                "org": admin.org_slug,
                "description": "The shower in room 512 is cold every morning",
                "customer": {"name": "Ann Lee", "email": "ann.lee@guest.example"},
            },
        )
        assert r.status_code == 201, r.text
        drain()  # the outbox sends the acknowledgement
    finally:
        controller.stop()
    login(client, admin.email)
    page = client.get("/admin/mail", headers=EN)
    assert page.status_code == 200
    assert "ann.lee@guest.example" in page.text
    assert r.json()["tracking_code"] in page.text  # the acknowledgement's body
    caught = catcher.recent()
    assert len(caught) == 1 and caught[0].subject and caught[0].subject in page.text


def test_the_page_is_for_admins(client):
    admin = make_account(role="admin")
    manager = make_account(role="manager", org_slug=admin.org_slug)
    login(client, manager.email)
    assert client.get("/admin/mail", headers=EN).status_code == 403


def test_the_catcher_stays_off_when_smtp_is_configured_or_in_production(settings_env):
    assert catcher.wanted(get_settings())  # the defaults: localhost:1025, no login
    settings_env(SMTP_HOST="mail.hotel.example")
    assert not catcher.wanted(get_settings())
    settings_env(SMTP_HOST="127.0.0.1", SMTP_USER="voxloop")
    assert not catcher.wanted(get_settings())
    settings_env(SMTP_USER="", ENV="production", SECRET_KEY="x" * 40)
    assert not catcher.wanted(get_settings())
