"""Hostile files and markup against the real app: zip bombs and damaged workbooks on every table
upload, path traversal and control characters in attachment names (web form, public form, API,
email), markup in the acknowledgement email, staff pages and PDF reports, open redirects after
sign-in, and a session cookie planted before sign-in."""

import base64
import hashlib
import io
import json
import re
import smtplib
import struct
import uuid
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pandas as pd
import pymupdf
import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, Account, make_account
from tests.mail.test_intake import listener, mail  # noqa: F401 - the fixture
from tests.web.test_pages import EN, count_feedback, csrf_of, login, new_client
from voxloop.accounts import service as accounts
from voxloop.config import get_settings
from voxloop.db import session_scope
from voxloop.jobs.executor import drain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
# What Jinja's autoescape makes of them: text, not markup.
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BREAKOUT_ESCAPED = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"


# Workbooks: a real one, then the same with its sheet or its archive made hostile


def _workbook() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"description": ["空调坏了", "房间太吵"], "name": ["李娜", "Ann"]}).to_excel(
        buffer, index=False
    )
    return buffer.getvalue()


def _rezip(sheet: bytes | None = None, pad_mib: int = 0, extra_entries: int = 0) -> bytes:
    """The real workbook with sheet1.xml replaced, or padded with `pad_mib` MiB of whitespace
    (streamed, so the test never holds it), or with `extra_entries` empty files added."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != SHEET:
                archive.writestr(info.filename, data)
                continue
            head, tail = (sheet or data).rsplit(b"</worksheet>", 1)
            with archive.open(SHEET, "w") as f:
                f.write(head)
                for _ in range(pad_mib):
                    f.write(b" " * (1 << 20))  # whitespace between elements: still valid XML
                f.write(b"</worksheet>" + tail)
        for n in range(extra_entries):
            archive.writestr(f"xl/media/pad{n}.bin", b"")
    return out.getvalue()


def _zip_bomb() -> bytes:
    """About 1.4 MB that unzips to 300 MiB: one sheet whose XML is mostly whitespace."""
    return _rezip(pad_mib=300)


def _uploads(client: TestClient, content: bytes) -> dict[str, tuple[int, str]]:
    """Send the workbook to every endpoint that reads an uploaded table: status and the text
    of the answer, by endpoint."""
    admin = make_account(role="admin")
    login(client, admin.email)
    token = csrf_of(client.get("/imports", headers=EN).text)
    upload = {"file": ("hostile.xlsx", content, XLSX)}
    answers = {
        "api imports (dry run)": client.post(
            "/api/v1/imports",
            data={"mapping": json.dumps({"description": "description"}), "dry_run": "true"},
            files=upload,
            headers=admin.headers,
        ),
        "api customers import": client.post("/api/v1/customers/import", files=upload, headers=admin.headers),
        "imports page": client.post("/imports/upload", data={"csrf_token": token}, files=upload, headers=EN),
        "customers page": client.post(
            "/customers/import", data={"csrf_token": token}, files=upload, headers=EN
        ),
        "categories page": client.post(
            "/admin/categories/examples",
            data={"csrf_token": token, "text_column": "description", "label_column": "name"},
            files=upload,
            headers=EN,
        ),
    }
    assert client.get("/api/v1/imports", headers=admin.headers).json() == []  # no run recorded
    assert client.get("/api/v1/customers?q=Ann", headers=admin.headers).json() == []  # nobody imported
    return {where: (r.status_code, r.text) for where, r in answers.items()}


def _refused_naming_the_file(answers: dict[str, tuple[int, str]], reason: str) -> None:
    for where, (status, text) in answers.items():
        assert status == 422, (where, status, text[:300])
        if where.startswith("api"):
            [field] = json.loads(text)["error"]["fields"]
            assert field["field"] == "file" and reason in field["reason"], (where, field)
        else:  # the page names the field, or (the categories page's one upload) the file
            assert "hostile.xlsx: " in text and reason in text, (where, text[:300])
            assert "<code>file</code>" in text or where == "categories page", where


def test_a_zip_bomb_workbook_is_refused_naming_the_file_before_it_is_inflated(client):
    bomb = _zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024  # small enough for every body limit
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert declared > 300 * 1024 * 1024
    _refused_naming_the_file(_uploads(client, bomb), f"unzips to {declared:,} bytes")


def test_a_workbook_of_thousands_of_files_is_refused(client):
    _refused_naming_the_file(_uploads(client, _rezip(extra_entries=2_000)), "holds 2,009 files")


def _billion_laughs() -> bytes:
    """A sheet whose DTD nests entities that expand a few hundred bytes to gigabytes."""
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return _rezip(
        sheet=(
            f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>description</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>&l9;</t></is></c></row>'
            "</sheetData></worksheet>"
        ).encode()
    )


def _lying_about_its_size() -> bytes:
    """The zip bomb with its central directory claiming the sheet unzips to 1,000 bytes: it
    passes the size check, and reading stops at the claimed size (a checksum error)."""
    bomb = bytearray(_zip_bomb())
    record = bomb.rfind(SHEET.encode()) - 46  # the last mention is the central directory's
    assert bomb[record : record + 4] == b"PK\x01\x02"
    struct.pack_into("<I", bomb, record + 24, 1_000)  # the uncompressed size
    return bytes(bomb)


def _truncated() -> bytes:
    return _workbook()[:2000]


def _broken_xml() -> bytes:
    sheet = zipfile.ZipFile(io.BytesIO(_workbook())).read(SHEET)
    return _rezip(sheet=sheet[:200] + b"</worksheet>")


def _not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "a ZIP, but no workbook in it")
    return out.getvalue()


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (_billion_laughs, "invalid XML"),  # openpyxl with defusedxml refuses the DTD
        (_lying_about_its_size, "cannot be read as XLSX: Bad CRC-32"),
        (_truncated, "is not an XLSX workbook (not a ZIP archive)"),
        (_broken_xml, "cannot be read as XLSX: not well-formed"),
        (_not_a_workbook, "is not an XLSX workbook (a ZIP archive without xl/workbook.xml)"),
    ],
    ids=["billion-laughs", "lying-sizes", "truncated", "broken-xml", "no-workbook"],
)
def test_a_damaged_workbook_is_refused_naming_the_file_never_a_server_error(client, build, reason):
    _refused_naming_the_file(_uploads(client, build()), reason)


# Attachment names: only a name is kept; the bytes live under the attachments folder by hash


def _multipart(fields: dict[str, str], files: list[tuple[bytes, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body written by hand, so that each file name reaches the server
    byte for byte (httpx percent-encodes control characters in it)."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    for filename, ctype, data in files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="'.encode()
            + filename
            + f'"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _kept_only_by_hash(data_dir: Path, before: set[Path], contents: list[bytes]) -> None:
    """The only files written anywhere under the tests' temporary root (but for the SQLite
    database's own) are the blobs, each at attachments/<first two hex digits>/<its SHA-256>:
    nothing at a path the names pointed to."""
    expected = set()
    for content in contents:
        digest = hashlib.sha256(content).hexdigest()
        expected.add(data_dir / "attachments" / digest[:2] / digest)
    written = {p for p in _files_under(data_dir.parent) - before if not p.name.startswith("voxloop.db")}
    assert written == expected
    assert all(path.read_bytes() in contents for path in expected)
    assert not Path("/abs").exists()


def _downloaded_name(client: TestClient, attachment_id: int, content: bytes) -> str:
    """Download the attachment; its Content-Disposition may hold only URL-safe characters (no
    CR/LF to start a header of its own, no quote to end the value); returns the name a mail or
    browser client reads from it."""
    r = client.get(f"/attachments/{attachment_id}")
    assert r.status_code == 200 and r.content == content
    header = r.headers["content-disposition"]
    assert re.fullmatch(r"attachment; filename\*=UTF-8''[A-Za-z0-9%._~-]+", header), header
    parsed = EmailMessage()
    parsed["Content-Disposition"] = header
    return str(parsed.get_filename())


def _attachments(client: TestClient, acct: Account, fid: int) -> list[dict[str, Any]]:
    return list(client.get(f"/api/v1/feedback/{fid}", headers=acct.headers).json()["attachments"])


def test_attachment_names_from_the_staff_entry_form_cannot_leave_the_attachments_folder(client):
    acct = make_account(role="agent")
    login(client, acct.email)
    token = csrf_of(client.get("/feedback/new", headers=EN).text)
    hostile = {  # name as sent -> name kept
        b"../../etc/passwd": "passwd",
        b"..\\\\..\\\\windows\\\\win.ini": "win.ini",  # backslashes escaped in the quoted header
        b"/abs/path/report.txt": "report.txt",
        b"bad\x00name\x1b[31m\x7f.txt": "bad_name_[31m_.txt",
        b"a" * 1000 + b".txt": "a" * 255,
    }
    contents = [f"{uuid.uuid4()}\n".encode() for _ in hostile]
    data_dir = get_settings().data_dir
    before = _files_under(data_dir.parent)
    body, ctype = _multipart(
        {"csrf_token": token, "channel": "hotline", "description": "客人来电：附件名很奇怪"},
        [(sent, "text/plain", content) for sent, content in zip(hostile, contents, strict=True)],
    )
    r = client.post("/feedback/new", content=body, headers={"Content-Type": ctype}, follow_redirects=False)
    assert r.status_code == 303, r.text
    fid = int(r.headers["location"].split("/")[2].split("?")[0])
    kept = _attachments(client, acct, fid)
    assert [a["filename"] for a in kept] == list(hostile.values())
    _kept_only_by_hash(data_dir, before, contents)
    for attachment, content in zip(kept, contents, strict=True):
        assert _downloaded_name(client, attachment["id"], content) == attachment["filename"]


def test_attachment_names_from_the_public_form_and_the_api_are_kept_as_plain_names(client):
    acct = make_account(role="agent")
    data_dir = get_settings().data_dir
    before = _files_under(data_dir.parent)
    contents = [f"{uuid.uuid4()}\n".encode() for _ in range(4)]
    body, ctype = _multipart(
        {"description": "The shower is broken."},
        [
            (b"..", "text/plain", contents[0]),
            (b'\\"><img src=x onerror=alert(1)>.txt', "text/plain", contents[1]),
        ],
    )
    r = client.post(f"/f/{acct.org_slug}", content=body, headers={"Content-Type": ctype, **EN})
    assert r.status_code == 201, r.text
    api = client.post(
        "/api/v1/feedback",
        json={
            "description": "Photos attached.",
            "attachments": [
                {"filename": name, "content_type": "text/plain", "content_base64": b64}
                for name, b64 in (
                    ("../../../../tmp/x.txt", base64.b64encode(contents[2]).decode()),
                    ('report"\r\nSet-Cookie: pwned=1.txt', base64.b64encode(contents[3]).decode()),
                )
            ],
        },
        headers=acct.headers,
    )
    assert api.status_code == 201, api.text
    _kept_only_by_hash(data_dir, before, contents)
    web_form, from_api = client.get("/api/v1/feedback", headers=acct.headers).json()["items"][::-1]
    kept = _attachments(client, acct, web_form["id"]) + _attachments(client, acct, from_api["id"])
    names = [a["filename"] for a in kept]
    assert names == ["attachment", BREAKOUT + ".txt", "x.txt", 'report"_Set-Cookie: pwned=1.txt']
    login(client, acct.email)
    for attachment, content in zip(kept, contents, strict=True):
        assert _downloaded_name(client, attachment["id"], content) == attachment["filename"]
    detail = client.get(f"/feedback/{web_form['id']}", headers=EN).text
    assert BREAKOUT_ESCAPED + ".txt" in detail and "<img src=x" not in detail


def test_attachment_names_in_email_are_kept_as_plain_names(client, listener):  # noqa: F811
    admin = make_account(role="admin")
    data_dir = get_settings().data_dir
    before = _files_under(data_dir.parent)
    contents = [f"{uuid.uuid4()}\n".encode() for _ in range(2)]
    msg = mail("附件", "见附件")
    msg.add_attachment(contents[0], maintype="text", subtype="plain", filename="../../etc/passwd")
    msg.add_attachment(contents[1], maintype="text", subtype="plain", filename="PLACEHOLDER")
    # Encoded in the header (RFC 2231), a name can carry what a header line cannot: CR, LF, NUL.
    raw = msg.as_bytes().replace(
        b'filename="PLACEHOLDER"', b"filename*=UTF-8''..%2F..%2Fevil%0D%0AX-Injected%3A%201%00.txt"
    )
    with smtplib.SMTP("127.0.0.1", listener) as s:
        s.sendmail("li@example.com", [f"{admin.org_slug}@hotel.example"], raw)
    [record] = client.get("/api/v1/feedback", headers=admin.headers).json()["items"]
    kept = record["attachments"]
    assert [a["filename"] for a in kept] == [".._.._etc_passwd", ".._.._evil__X-Injected: 1_.txt"]
    _kept_only_by_hash(data_dir, before, contents)
    login(client, admin.email)
    for attachment, content in zip(kept, contents, strict=True):
        assert _downloaded_name(client, attachment["id"], content) == attachment["filename"]


# Markup in what customers and staff type: text in emails, pages and PDF reports


def test_markup_in_a_name_and_description_is_text_in_the_acknowledgement_email(client, smtp):
    acct = make_account()
    r = client.post(
        f"/f/{acct.org_slug}",
        data={
            "description": f"{SCRIPT} 空调坏了",
            "customer_name": BREAKOUT,
            "customer_email": "ann@example.com",
        },
        files={"attachments": ("", b"", "application/octet-stream")},
        headers=EN,
    )
    assert r.status_code == 201, r.text
    drain()
    [ack] = [m for m in smtp.wait_for(1) if m["Message-ID"].startswith("<ack-")]
    html = ack.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    # written in Chinese, so answered in Chinese (whatever language the form page was in)
    assert f"尊敬的{BREAKOUT_ESCAPED}：" in html and f"{SCRIPT_ESCAPED} 空调坏了" in html
    assert "<script" not in html and "<img" not in html
    text = ack.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert f"尊敬的{BREAKOUT}：" in text and f"{SCRIPT} 空调坏了" in text  # plain text stays as typed


def test_markup_is_text_on_the_customer_pages_and_in_echoed_form_values(client):
    acct = make_account()
    r = client.post(
        "/api/v1/feedback",
        json={"description": f"{SCRIPT} 房间太吵", "customer": {"name": BREAKOUT, "email": "c@example.com"}},
        headers=acct.headers,
    )
    assert r.status_code == 201, r.text
    customer = r.json()["customer"]["id"]
    changes = {"tags": [BREAKOUT], "region": BREAKOUT, "segment": SCRIPT, "external_id": BREAKOUT}
    patched = client.patch(f"/api/v1/customers/{customer}", json=changes, headers=acct.headers)
    assert patched.status_code == 200, patched.text
    login(client, acct.email)
    token = csrf_of(client.get("/feedback/new", headers=EN).text)
    refused = client.post(  # refused for its empty description; what was typed is shown again
        "/feedback/new",
        data={"csrf_token": token, "channel": "hotline", "description": "", "customer_name": BREAKOUT},
        files={"attachments": ("", b"", "application/octet-stream")},
        headers=EN,
    )
    assert refused.status_code == 422
    pages = {
        "profile": client.get(f"/customers/{customer}", headers=EN).text,
        "list": client.get("/customers", params={"q": BREAKOUT}, headers=EN).text,
        "inbox search": client.get("/inbox", params={"q": BREAKOUT}, headers=EN).text,
        "entry form": refused.text,
    }
    for where, html in pages.items():
        assert BREAKOUT_ESCAPED in html, where
        assert "<img" not in html and "<script>alert" not in html, where
    assert pages["profile"].count(BREAKOUT_ESCAPED) >= 4  # name, tags, region, CRM id
    assert SCRIPT_ESCAPED in pages["profile"]  # the segment
    assert f'value="{BREAKOUT_ESCAPED}"' in pages["inbox search"]


def _org_named(name: str) -> str:
    slug = f"org-{uuid.uuid4().hex[:8]}"
    with session_scope() as db:
        accounts.create_org(db=db, slug=slug, name=name)
        db.commit()
    return slug


@pytest.mark.parametrize(
    "name",
    [
        '<a href="javascript:alert(1)">Cloudhill</a>',
        '<font size="90" color="red">Cloudhill</font>',
        f"{SCRIPT} R&D <b>Hotels",
    ],
    ids=["link", "font", "unclosed-tags"],
)
def test_markup_in_the_organization_name_stays_text_in_the_pdf_report(client, name):
    manager = make_account(role="manager", org_slug=_org_named(name))
    r = client.get("/api/v1/reports/departments?format=pdf&lang=en", headers=manager.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    page = pymupdf.open(stream=r.content, filetype="pdf")[0]
    assert f"{name} · Department performance" in " ".join(page.get_text().split())
    assert [link for link in page.get_links() if "javascript" in str(link.get("uri", ""))] == []
    lines = [line for block in page.get_text("dict")["blocks"] for line in block.get("lines", [])]
    # The title's own size (18) is the largest: no <font size> took effect.
    assert max(span["size"] for line in lines for span in line["spans"]) == 18


# Redirects after sign-in and language switch stay on this site


def _lands_on(location: str) -> tuple[str, str]:
    """Scheme and host a browser goes to: the WHATWG URL parser drops tabs and newlines and
    reads a backslash as a slash, so "/\\evil.example" is "//evil.example" to it."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00 ").replace("\\", "/")
    target = urlsplit(urljoin("http://testserver/login", cleaned))
    return target.scheme, target.netloc


OFFSITE = [
    "//evil.example",
    "https://evil.example/inbox",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "http:evil.example",
]


@pytest.mark.parametrize("target", OFFSITE)
def test_sign_in_and_the_language_switch_redirect_only_to_this_site(client, target):
    acct = make_account()
    token = csrf_of(client.get("/login", params={"next": target}).text)
    r = client.post(
        "/login",
        data={"csrf_token": token, "email": acct.email, "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert r.status_code == 303 and _lands_on(r.headers["location"]) == ("http", "testserver"), r.headers
    assert r.headers["location"] == "/inbox"  # not merely harmless once encoded: refused
    switched = client.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert switched.status_code == 303
    assert _lands_on(switched.headers["location"]) == ("http", "testserver"), switched.headers
    assert switched.headers["location"] == "/"


# Sessions: a cookie planted before sign-in


def test_a_session_cookie_planted_before_sign_in_is_replaced_and_grants_nothing(client):
    """Sessions are signed cookies (no id on the server to fixate): signing in starts a new
    one, so an attacker who planted or read the anonymous cookie and its CSRF token before the
    victim signed in can neither act as the victim nor forge a form for them."""
    acct = make_account(role="agent")
    form = client.get("/login")
    planted, planted_token = client.cookies["voxloop_session"], csrf_of(form.text)
    login(client, acct.email)
    signed_in = client.cookies["voxloop_session"]
    assert signed_in != planted
    assert client.get("/inbox").status_code == 200

    attacker = new_client(client)
    r = attacker.get("/inbox", headers={"Cookie": f"voxloop_session={planted}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/inbox"

    assert csrf_of(client.get("/feedback/new").text) != planted_token
    forged = client.post(  # the victim's browser, sending the attacker's form
        "/feedback/new",
        data={"csrf_token": planted_token, "channel": "hotline", "description": "forged"},
        files={"attachments": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and count_feedback() == 0


def test_signing_out_ends_the_session_for_a_copied_cookie_too(client):
    """Sessions are signed cookies; signing out moves the user's session epoch on, so a copy of
    the cookie taken while signed in (a shared computer, a stolen cookie) stops working."""
    acct = make_account(role="agent")
    login(client, acct.email)
    copied = client.cookies["voxloop_session"]
    elsewhere = new_client(client)
    elsewhere.cookies.set("voxloop_session", copied)
    assert elsewhere.get("/inbox", follow_redirects=False).status_code == 200

    token = csrf_of(client.get("/inbox").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    r = elsewhere.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")

    login(client, acct.email)  # signing in again works, with a new session
    assert client.get("/inbox", follow_redirects=False).status_code == 200


def test_a_new_password_ends_the_users_other_sessions(client):
    admin = make_account(role="admin")
    agent = make_account(role="agent", org_slug=admin.org_slug)
    login(client, agent.email)
    assert client.get("/inbox", follow_redirects=False).status_code == 200
    changed = client.patch(
        f"/api/v1/users/{agent.user_id}", json={"password": "a-brand-new-one"}, headers=admin.headers
    )
    assert changed.status_code == 200
    r = client.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(client, agent.email, "a-brand-new-one")
    assert client.get("/inbox", follow_redirects=False).status_code == 200


def test_a_formula_in_the_organization_name_stays_text_in_the_excel_report(client):
    import io

    import openpyxl

    manager = make_account(
        role="manager", org_slug=_org_named('=HYPERLINK("https://evil.example","Cloudhill")')
    )
    r = client.get("/api/v1/reports/departments?format=xlsx&lang=en", headers=manager.headers)
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    title = sheet["A1"]
    assert title.data_type == "s" and title.value.startswith("'=HYPERLINK(")


def _with_row(row: str) -> bytes:
    """The real workbook with one more row in its sheet's XML."""
    sheet = zipfile.ZipFile(io.BytesIO(_workbook())).read(SHEET)
    return _rezip(sheet.replace(b"</sheetData>", row.encode() + b"</sheetData>"))


def test_a_workbook_that_expands_past_the_row_or_cell_limit_is_refused_while_it_is_read(client, settings_env):
    """A few compressed bytes can put a cell a million rows down or 16,384 columns across, which
    the reader would fill in; reading stops at the limit instead."""
    far_down = _with_row('<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    _refused_naming_the_file(_uploads(client, far_down), "more than 200,000 rows")
    settings_env(UPLOAD_MAX_CELLS="10000")
    wide = _with_row('<row r="4"><c r="XFD4" t="inlineStr"><is><t>x</t></is></c></row>')
    _refused_naming_the_file(_uploads(client, wide), "more than 10,000 cells")
