"""Customer directory pages: the list with search, filters and paging, the CRM import, a profile
with the customer's feedback and scores, editing segments and consent, merging, the export and
erasure with its confirmation step (admins only)."""

import io
import re
import zipfile

import pandas as pd
from sqlalchemy import select

from tests.factories import make_account
from tests.web.test_pages import EN, csrf_of, login
from voxloop.db import session_scope
from voxloop.jobs.executor import drain
from voxloop.surveys.models import Invitation

ZH = {"Accept-Language": "zh-CN"}


def _feedback(client, acct, text, email="li.na@example.com", name="李娜"):  # type: ignore[no-untyped-def]
    body = {"description": text, "customer": {"name": name, "email": email}}
    r = client.post("/api/v1/feedback", json=body, headers=acct.headers)
    assert r.status_code == 201, r.text
    return r.json()


def _customer_id(client, acct, email="li.na@example.com") -> int:  # type: ignore[no-untyped-def]
    found = client.get(f"/api/v1/customers?email={email}", headers=acct.headers).json()
    assert len(found) == 1
    return int(found[0]["id"])


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/customers/(\d+)">', html)]


def test_the_list_searches_filters_and_pages(client):
    manager = make_account(role="manager")
    for n in range(53):
        _feedback(client, manager, f"房间{n}号的空调坏了", email=f"guest{n}@example.com", name=f"Guest {n}")
    _feedback(client, manager, "早餐很好", email="li.na@example.com")
    drain()
    li = _customer_id(client, manager)
    client.patch(
        f"/api/v1/customers/{li}",
        json={"external_id": "CRM-0042", "tags": ["会员", "商务"], "value_tier": "gold", "region": "华东"},
        headers=manager.headers,
    )
    login(client, manager.email)

    first = client.get("/customers", headers=EN)
    assert first.status_code == 200
    assert 'href="/customers"' in first.text  # the navigation link
    assert "Showing 1–50 of 54 customers" in first.text and len(_listed(first.text)) == 50
    second = client.get("/customers?page=2", headers=EN).text
    assert "Showing 51–54 of 54 customers" in second and len(_listed(second)) == 4
    assert set(_listed(first.text)).isdisjoint(_listed(second))

    for query in (
        "q=crm-0042",
        "q=LI.NA",
        "tag=会员",
        "value_tier=gold",
        "region=华东",
        "tag=商务&region=华东",
    ):
        page = client.get(f"/customers?{query}", headers=EN).text
        assert _listed(page) == [li], query
    assert _listed(client.get("/customers?tag=会", headers=EN).text) == []  # whole tags only
    assert _listed(client.get("/customers?region=华南", headers=EN).text) == []
    assert '<option value="gold" selected>' in client.get("/customers?value_tier=gold", headers=EN).text
    zh = client.get("/customers?page=2", headers=ZH).text
    assert "客户名录" in zh and "显示第 51–54 位，共 54 位客户" in zh
    bad = client.get("/customers?page=0", headers=EN)
    assert bad.status_code == 422 and "page" in bad.text


def test_profile_shows_feedback_and_cases_and_edits_segments_and_consent(client):
    manager = make_account(role="manager")
    complaint = _feedback(client, manager, "空调坏了，一直没人修")
    praise = _feedback(client, manager, "前台服务很好，谢谢")
    drain()
    cid = _customer_id(client, manager)
    client.post(
        f"/api/v1/feedback/{complaint['id']}/transitions", json={"to": "in_progress"}, headers=manager.headers
    )
    login(client, manager.email)

    page = client.get(f"/customers/{cid}", headers=EN)
    assert page.status_code == 200
    html = page.text
    assert "李娜" in html and "li.na@example.com" in html
    for record in (complaint, praise):
        assert f'href="/feedback/{record["id"]}"' in html and record["tracking_code"] in html
    assert "空调坏了，一直没人修" in html and "Complaint" in html and "Praise" in html
    assert "In progress" in html  # the case's state
    assert 'class="consent-email">allowed<' in html

    token = csrf_of(html)
    r = client.post(
        f"/customers/{cid}/edit",
        data={
            "csrf_token": token,
            "tags": "会员，商务, 会员",
            "value_tier": "gold",
            "region": "华东",
            "segment": "",
            "external_id": "CRM-0042",
            "contact_phone": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/customers/{cid}"
    saved = client.get(f"/api/v1/customers/{cid}", headers=manager.headers).json()["customer"]
    assert (saved["value_tier"], saved["region"], saved["external_id"]) == ("gold", "华东", "CRM-0042")
    assert saved["tags"] == ["会员", "商务"]
    assert saved["contact_email"] is False and saved["contact_phone"] is True  # the unticked box
    html = client.get(f"/customers/{cid}", headers=EN).text
    assert 'class="customer-tier">gold<' in html and 'class="consent-email">not allowed<' in html

    _feedback(client, manager, "Wi-Fi is slow", email="tom@example.com", name="Tom")
    drain()
    tom = _customer_id(client, manager, "tom@example.com")
    taken = client.post(
        f"/customers/{tom}/edit", data={"csrf_token": token, "external_id": "CRM-0042"}, headers=EN
    )
    assert taken.status_code == 422 and "external_id" in taken.text and "belongs to customer" in taken.text


def test_survey_answers_and_satisfaction_by_month(client):
    manager = make_account(role="manager")
    _feedback(client, manager, "房间很吵")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=manager.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=manager.headers).json()["key"]
    r = client.post(
        f"/api/v1/surveys/{survey['id']}/invitations",
        json={"emails": ["li.na@example.com"]},
        headers=manager.headers,
    )
    assert r.status_code in (200, 201, 202), r.text
    drain()
    with session_scope() as db:
        token = db.scalar(select(Invitation.token))
    r = client.post(
        f"/api/v1/public/surveys/{key}/responses",
        json={"language": "zh", "token": token, "answers": {"nps": 9}},
    )
    assert r.status_code == 201, r.text
    cid = _customer_id(client, manager)
    login(client, manager.email)
    html = client.get(f"/customers/{cid}", headers=EN).text
    responses = re.search(r'<table class="striped customer-responses">(.*?)</table>', html, re.S)
    assert responses and survey["name"] in responses.group(1) and "<code>nps</code> 9" in responses.group(1)
    satisfaction = re.search(r'<table class="striped satisfaction">(.*?)</table>', html, re.S)
    assert satisfaction and re.search(r"<td>\d{4}-\d{2}</td><td>9\.0</td><td>—</td>", satisfaction.group(1))


def test_merging_a_duplicate_from_the_profile(client):
    manager = make_account(role="manager")
    _feedback(client, manager, "空调坏了", email="li.na@example.com")
    dup = _feedback(client, manager, "又坏了", email="lina.work@example.com", name="Li Na")
    drain()
    keep, gone = _customer_id(client, manager), _customer_id(client, manager, "lina.work@example.com")
    login(client, manager.email)
    token = csrf_of(client.get(f"/customers/{keep}", headers=EN).text)
    bad = client.post(f"/customers/{keep}/merge", data={"csrf_token": token, "from_id": "abc"}, headers=EN)
    assert bad.status_code == 422 and "from_id" in bad.text
    unknown = client.post(f"/customers/{keep}/merge", data={"csrf_token": token, "from_id": "999999"})
    assert unknown.status_code == 422 and "no customer with this id" in unknown.text
    same = client.post(f"/customers/{keep}/merge", data={"csrf_token": token, "from_id": str(keep)})
    assert same.status_code == 422 and "is the same customer" in same.text
    r = client.post(
        f"/customers/{keep}/merge", data={"csrf_token": token, "from_id": str(gone)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get(f"/customers/{gone}", headers=EN).status_code == 404
    html = client.get(f"/customers/{keep}", headers=EN).text
    assert f'href="/feedback/{dup["id"]}"' in html and "又坏了" in html


def test_export_and_erasure_are_for_admins_with_a_confirmation_step(client):
    admin = make_account(role="admin")
    record = _feedback(client, admin, "我的房间号是1203，空调坏了")
    drain()
    cid = _customer_id(client, admin)
    handler = make_account(role="handler", org_slug=admin.org_slug)
    login(client, handler.email)
    html = client.get(f"/customers/{cid}", headers=EN).text
    assert "李娜" in html and f"/customers/{cid}/erase" not in html and "/export" not in html
    assert 'action="/customers/' not in html  # no edit or merge forms either
    token = csrf_of(html)
    assert client.get(f"/customers/{cid}/erase").status_code == 403
    assert client.get(f"/customers/{cid}/export").status_code == 403
    assert (
        client.post(f"/customers/{cid}/erase", data={"csrf_token": token, "confirm": "yes"}).status_code
        == 403
    )
    assert (
        client.post(f"/customers/{cid}/edit", data={"csrf_token": token, "value_tier": "x"}).status_code
        == 403
    )

    client.cookies.clear()
    login(client, admin.email)
    html = client.get(f"/customers/{cid}", headers=EN).text
    assert f'href="/customers/{cid}/erase"' in html
    archive = client.get(f"/customers/{cid}/export")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert "空调坏了" in z.read("feedback.json").decode()

    confirm = client.get(f"/customers/{cid}/erase", headers=EN)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    token = csrf_of(confirm.text)
    unconfirmed = client.post(f"/customers/{cid}/erase", data={"csrf_token": token}, headers=EN)
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    assert (
        client.get(f"/api/v1/customers/{cid}", headers=admin.headers).json()["customer"]["erased_at"] is None
    )
    no_csrf = client.post(f"/customers/{cid}/erase", data={"confirm": "yes"})
    assert no_csrf.status_code == 403
    r = client.post(
        f"/customers/{cid}/erase", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False
    )
    assert r.status_code == 303
    gone = client.get(f"/api/v1/customers/{cid}", headers=admin.headers).json()
    assert gone["customer"]["email"] is None and gone["customer"]["name"] == "" and gone["feedback"] == []
    kept = client.get(f"/api/v1/feedback/{record['id']}", headers=admin.headers).json()
    assert kept["description"] == "[erased]"
    # the case page says so in the staff's language, not with the stored marker
    case = client.get(f"/feedback/{record['id']}", headers=ZH).text
    assert "［应客户要求已删除］" in case and "[erased]" not in case and "空调坏了" not in case
    case = client.get(f"/feedback/{record['id']}", headers=EN).text
    assert "[erased at the customer&#39;s request]" in case
    html = client.get(f"/customers/{cid}", headers=EN).text
    assert "was erased" in html and "li.na@example.com" not in html and "空调坏了" not in html
    assert f'action="/customers/{cid}/edit"' not in html
    # nothing of theirs is left to download: no export offered, and the address refuses clearly
    assert f"/customers/{cid}/export" not in html and f"/customers/{cid}/erase" not in html
    refused = client.get(f"/customers/{cid}/export", headers=EN)
    assert refused.status_code == 410 and "This customer was erased." in refused.text
    assert refused.headers["content-type"].startswith("text/html")


def test_the_crm_import_form_reports_each_refused_row(client):
    manager = make_account(role="manager")
    frame = pd.DataFrame(
        [
            {"external_id": "CRM-1", "name": "李娜", "email": "LI.NA@example.com", "tags": "会员，商务"},
            {"external_id": "CRM-2", "name": "Tom", "email": "tom@example.com", "value_tier": "silver"},
            {"external_id": "", "name": "Nobody", "email": ""},
            {"external_id": "CRM-3", "name": "Bad", "email": "not an email"},
        ]
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    login(client, manager.email)
    token = csrf_of(client.get("/customers", headers=EN).text)
    r = client.post(
        "/customers/import",
        data={"csrf_token": token},
        files={"file": ("crm.xlsx", buffer.getvalue(), "application/octet-stream")},
        headers=EN,
    )
    assert r.status_code == 200, r.text
    assert "2 created, 0 updated, 2 refused" in r.text
    problems = re.findall(r"<tr><td>(\d+)</td><td><code>([^<]+)</code></td>", r.text)
    assert set(problems) == {("4", "row"), ("5", "email")}
    assert "CRM-1" in r.text and "CRM-2" in r.text  # the list shows them now
    li = client.get("/api/v1/customers?external_id=CRM-1", headers=manager.headers).json()[0]
    assert li["email"] == "li.na@example.com" and li["tags"] == ["会员", "商务"]

    broken = client.post(
        "/customers/import",
        data={"csrf_token": token},
        files={"file": ("crm.pdf", b"%PDF-1.4", "application/pdf")},
        headers=EN,
    )
    assert broken.status_code == 422 and "<code>file</code>" in broken.text


def test_customers_are_for_staff_who_handle_feedback_in_their_own_organization(client):
    manager = make_account(role="manager")
    _feedback(client, manager, "房间很好")
    drain()
    cid = _customer_id(client, manager)
    viewer = make_account(role="viewer", org_slug=manager.org_slug)
    login(client, viewer.email)
    assert 'href="/customers"' not in client.get("/inbox", headers=EN).text
    assert client.get("/customers").status_code == 403
    client.cookies.clear()
    stranger = make_account(role="admin")
    login(client, stranger.email)
    assert client.get(f"/customers/{cid}").status_code == 404
    assert _listed(client.get("/customers").text) == []
    client.cookies.clear()
    assert client.get("/customers", follow_redirects=False).status_code == 303  # to the sign-in page
