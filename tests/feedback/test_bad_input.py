"""Bad input gets a clear 4xx naming the field and the reason; nothing accepted is lost."""

import base64

import pytest

from tests.factories import make_account
from tests.feedback.test_intake_api import PNG, count_feedback


def error_of(response):  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def fields_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f["field"]: f["reason"] for f in error_of(response)["fields"]}


@pytest.fixture
def acct():  # type: ignore[no-untyped-def]
    return make_account()


def test_oversized_body_is_refused_with_413(client, acct, settings_env):
    settings_env(MAX_BODY_BYTES="2000")
    r = client.post("/api/v1/feedback", json={"description": "x" * 5000}, headers=acct.headers)
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"


def test_streamed_oversized_body_without_length_is_refused(client, acct, settings_env):
    settings_env(MAX_BODY_BYTES="2000")

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"x" * 500

    r = client.post(
        "/api/v1/feedback", content=chunks(), headers={**acct.headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_wrong_content_type_is_415(client, acct):
    r = client.post(
        "/api/v1/feedback",
        content=b"description=hi",
        headers={**acct.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    assert error_of(r)["code"] == "unsupported_media_type"


def test_invalid_utf8_is_400(client, acct):
    r = client.post(
        "/api/v1/feedback",
        content=b'{"description": "\xff\xfe bad"}',
        headers={**acct.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert "UTF-8" in error_of(r)["message"]


def test_malformed_json_is_400(client, acct):
    r = client.post(
        "/api/v1/feedback",
        content=b'{"description": ',
        headers={**acct.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert error_of(r)["code"] == "bad_request"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused(client, acct, char):
    r = client.post("/api/v1/feedback", json={"description": f"hello{char}world"}, headers=acct.headers)
    assert r.status_code == 422
    assert "control character" in fields_of(r)["description"]


def test_newlines_and_tabs_are_kept(client, acct):
    r = client.post("/api/v1/feedback", json={"description": "line one\r\n\tline two"}, headers=acct.headers)
    assert r.status_code == 201
    assert r.json()["description"] == "line one\n\tline two"


def test_script_tags_are_stored_as_text(client, acct):
    text = '<script>alert("x")</script> 房间很脏'
    r = client.post("/api/v1/feedback", json={"description": text}, headers=acct.headers)
    assert r.status_code == 201
    assert (
        client.get(f"/api/v1/feedback/{r.json()['id']}", headers=acct.headers).json()["description"] == text
    )


def test_unknown_and_missing_fields_are_named(client, acct):
    r = client.post("/api/v1/feedback", json={"descripton": "typo"}, headers=acct.headers)
    assert r.status_code == 422
    fields = fields_of(r)
    assert "description" in fields and "descripton" in fields


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "x" * 10_001}, "description"),
        ({"description": "ok", "customer_request": "y" * 2001}, "customer_request"),
        ({"description": "ok", "received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({"description": "ok", "received_at": "1990-01-01T00:00:00Z"}, "received_at"),
        ({"description": "ok", "language": "fr"}, "language"),
        ({"description": "ok", "customer": {"email": "not-an-email"}}, "customer.email"),
        ({"description": "ok", "channel": "fax"}, "channel"),
        ({"description": "   "}, "description"),
    ],
)
def test_out_of_range_values_are_named(client, acct, body, field):
    r = client.post("/api/v1/feedback", json=body, headers=acct.headers)
    assert r.status_code == 422, r.text
    assert field in fields_of(r)
    assert count_feedback() == 0


def test_query_parameters_are_checked(client, acct):
    assert client.get("/api/v1/feedback", params={"limit": 0}, headers=acct.headers).status_code == 422
    r = client.get("/api/v1/feedback", params={"status": "bogus"}, headers=acct.headers)
    assert r.status_code == 422 and "status" in fields_of(r)


def test_attachment_type_and_content_are_checked(client, acct):
    def post(filename: str, ctype: str, data: bytes):  # type: ignore[no-untyped-def]
        att = {"filename": filename, "content_type": ctype, "content_base64": base64.b64encode(data).decode()}
        return client.post(
            "/api/v1/feedback", json={"description": "see file", "attachments": [att]}, headers=acct.headers
        )

    exe = post("virus.exe", "application/x-msdownload", b"MZ\x90\x00")
    assert exe.status_code == 415 and "attachments.0" in fields_of(exe)
    fake = post("photo.png", "image/png", b"<html>not a png</html>")
    assert fake.status_code == 422 and "attachments.0" in fields_of(fake)
    bad64 = client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={
            "description": "x",
            "attachments": [{"filename": "a.png", "content_type": "image/png", "content_base64": "***"}],
        },
    )
    assert bad64.status_code == 422
    assert post("ok.png", "image/png", PNG).status_code == 201
    assert count_feedback() == 1


def test_oversized_attachment_is_413(client, acct, settings_env):
    settings_env(MAX_ATTACHMENT_BYTES="100")
    r = client.post(
        "/api/v1/feedback",
        headers=acct.headers,
        json={
            "description": "big",
            "attachments": [
                {
                    "filename": "a.pdf",
                    "content_type": "application/pdf",
                    "content_base64": base64.b64encode(b"%PDF-" + b"0" * 200).decode(),
                }
            ],
        },
    )
    assert r.status_code == 413
    assert "attachments.0" in fields_of(r)


def test_missing_or_bad_token_is_401(client):
    assert client.get("/api/v1/feedback").status_code == 401
    r = client.get("/api/v1/feedback", headers={"Authorization": "Bearer vxl_nope"})
    assert r.status_code == 401 and error_of(r)["code"] == "not_authenticated"


def test_honeypot_is_refused(client, acct):
    r = client.post(
        "/api/v1/public/feedback",
        json={"org": acct.org_slug, "description": "buy now", "website": "http://spam"},
    )
    assert r.status_code == 422 and "website" in fields_of(r)
    assert count_feedback() == 0


def test_public_endpoint_rate_limit_per_ip(client, acct, settings_env):
    settings_env(PUBLIC_RATE_PER_IP="3/minute", PUBLIC_RATE_PER_ORG="100/minute")
    codes = [
        client.post(
            "/api/v1/public/feedback", json={"org": acct.org_slug, "description": f"n{i}"}
        ).status_code
        for i in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    limited = client.post("/api/v1/public/feedback", json={"org": acct.org_slug, "description": "again"})
    assert error_of(limited)["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    # What was accepted before the flood stays.
    assert count_feedback() == 3


def test_public_endpoint_rate_limit_per_organization(acct, app, settings_env):
    from fastapi.testclient import TestClient

    settings_env(PUBLIC_RATE_PER_IP="100/minute", PUBLIC_RATE_PER_ORG="4/minute")
    codes = []
    for i in range(6):
        # A different client address each time: only the organization's limit applies.
        with TestClient(app, client=(f"10.0.0.{i}", 5000)) as c:
            codes.append(
                c.post(
                    "/api/v1/public/feedback", json={"org": acct.org_slug, "description": f"n{i}"}
                ).status_code
            )
    assert codes == [201, 201, 201, 201, 429, 429]
    other = make_account()
    with TestClient(app, client=("10.0.1.1", 5000)) as c:
        assert (
            c.post("/api/v1/public/feedback", json={"org": other.org_slug, "description": "x"}).status_code
            == 201
        )


def test_viewer_cannot_create_feedback(client):
    viewer = make_account(role="viewer")
    r = client.post("/api/v1/feedback", json={"description": "x"}, headers=viewer.headers)
    assert r.status_code == 403 and error_of(r)["code"] == "permission_denied"
    assert client.get("/api/v1/feedback", headers=viewer.headers).status_code == 200
