"""What attachments may take: an organization's storage quota, and the bytes one address may send
through the anonymous form in a day. Both are counted in the database, so web processes (here:
two apps on one database) and requests arriving together count together."""

import base64
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import make_account
from voxloop.db import session_scope
from voxloop.feedback.models import Attachment, FormUploadDay
from voxloop.main import create_app

KB = 1024
EN = {"Accept-Language": "en"}


def png(size: int, seed: int = 0) -> bytes:
    """A PNG as far as the type check goes, `size` bytes long (different for each seed)."""
    head = b"\x89PNG\r\n\x1a\n" + seed.to_bytes(4, "big")
    return head + b"\x00" * (size - len(head))


def _api_post(client, acct, size, seed=0, headers=None):  # type: ignore[no-untyped-def]
    item = {"filename": "photo.png", "content_type": "image/png"}
    item["content_base64"] = base64.b64encode(png(size, seed)).decode()
    return client.post(
        "/api/v1/feedback",
        json={"description": "photo of the broken shower", "attachments": [item]},
        headers={**acct.headers, **(headers or {})},
    )


def _form_post(client, slug, size, seed=0):  # type: ignore[no-untyped-def]
    return client.post(
        f"/f/{slug}",
        data={"description": "The shower is broken, see the photo"},
        files={"attachments": (f"shower-{seed}.png", png(size, seed), "image/png")},
        headers=EN,
    )


def _stored(org_slug: str | None = None) -> tuple[int, int]:
    """Attachments kept (count, bytes), all organizations together."""
    with session_scope(readonly=True) as db:
        count, total = db.execute(select(func.count(), func.coalesce(func.sum(Attachment.size), 0))).one()
    return count, total


def test_an_organization_keeps_attachments_up_to_its_quota(client, settings_env):
    settings_env(ATTACHMENT_QUOTA_MB="1")
    acct = make_account()
    assert _api_post(client, acct, 400 * KB, 1).status_code == 201
    assert _api_post(client, acct, 400 * KB, 2).status_code == 201
    r = _api_post(client, acct, 400 * KB, 3, headers=EN)
    assert r.status_code == 413, r.text
    error = r.json()["error"]
    assert error["code"] == "attachment_quota_exceeded"
    assert error["message"] == "This organization's attachments would pass their storage quota of 1 MB."
    assert error["fields"][0]["field"] == "attachments" and "quota of 1 MB" in error["fields"][0]["reason"]
    zh = _api_post(client, acct, 400 * KB, 3, headers={"Accept-Language": "zh-CN"}).json()["error"]["message"]
    assert "1 MB" in zh and "附件" in zh
    assert _stored() == (2, 800 * KB)
    # Feedback without files still comes in, and the quota is the organization's own.
    r = client.post("/api/v1/feedback", json={"description": "no photo this time"}, headers=acct.headers)
    assert r.status_code == 201
    assert _api_post(client, make_account(), 400 * KB, 4).status_code == 201
    # Erased or expired records give their room back: the quota counts what is kept.
    with session_scope() as db:
        db.delete(db.scalars(select(Attachment).where(Attachment.size == 400 * KB)).first())
        db.commit()
    assert _api_post(client, acct, 400 * KB, 5).status_code == 201


def test_uploads_arriving_together_cannot_pass_the_quota(client, settings_env):
    settings_env(ATTACHMENT_QUOTA_MB="1")
    slug = make_account().org_slug
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda seed: _form_post(client, slug, 300 * KB, seed).status_code, range(8)))
    assert codes == [201] * 3 + [413] * 5
    assert _stored() == (3, 900 * KB)


def test_the_form_page_says_which_quota_is_full(client, settings_env):
    settings_env(ATTACHMENT_QUOTA_MB="1")
    slug = make_account().org_slug
    assert _form_post(client, slug, 700 * KB, 1).status_code == 201
    r = _form_post(client, slug, 700 * KB, 2)
    assert r.status_code == 413
    assert "would pass their storage quota of 1 MB" in r.text
    assert _stored() == (1, 700 * KB)


def test_an_address_sends_so_many_attachment_bytes_a_day_through_the_form(client, settings_env, clock):
    settings_env(FORM_BYTES_PER_IP_DAY=str(1024 * KB))
    slug = make_account().org_slug
    assert _form_post(client, slug, 400 * KB, 1).status_code == 201
    assert _form_post(client, slug, 400 * KB, 2).status_code == 201
    r = _form_post(client, slug, 400 * KB, 3)
    assert r.status_code == 429
    assert "Up to 1 MB of attachments a day may come from one address" in r.text
    assert 0 < int(r.headers["retry-after"]) <= 86400
    assert _stored() == (2, 800 * KB)  # the refused post stored nothing
    # Text alone still comes in.
    r = client.post(f"/f/{slug}", data={"description": "No photo, the shower is still broken"})
    assert r.status_code == 201
    # Counted in the database: another web process on it counts the same bytes.
    with session_scope(readonly=True) as db:
        assert db.scalars(select(FormUploadDay.bytes)).all() == [800 * KB]
    with TestClient(create_app()) as other:
        assert _form_post(other, slug, 400 * KB, 4).status_code == 429
        assert _form_post(other, slug, 200 * KB, 5).status_code == 201  # what is left today
    clock.advance(days=1)
    assert _form_post(client, slug, 400 * KB, 6).status_code == 201
    with session_scope(readonly=True) as db:  # yesterday's count is not kept
        assert db.scalars(select(FormUploadDay.bytes)).all() == [400 * KB]


def test_posts_arriving_together_cannot_pass_the_daily_bytes(client, settings_env):
    settings_env(FORM_BYTES_PER_IP_DAY=str(1024 * KB))
    slug = make_account().org_slug
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda seed: _form_post(client, slug, 300 * KB, seed).status_code, range(8)))
    assert codes == [201] * 3 + [429] * 5
    assert _stored() == (3, 900 * KB)


def test_an_organization_over_its_quota_still_takes_other_requests_written_with_it(client, settings_env):
    """The single intake writes requests of several organizations together: one refused by its
    quota fails alone."""
    settings_env(ATTACHMENT_QUOTA_MB="1")
    full, other = make_account(), make_account()
    assert _api_post(client, full, 900 * KB, 1).status_code == 201
    with ThreadPoolExecutor(8) as pool:
        refused = [pool.submit(_api_post, client, full, 300 * KB, seed) for seed in range(2, 6)]
        taken = [
            pool.submit(
                client.post, "/api/v1/feedback", json={"description": f"lift {i}"}, headers=other.headers
            )
            for i in range(4)
        ]
        assert [f.result().status_code for f in refused] == [413] * 4
        assert [f.result().status_code for f in taken] == [201] * 4
