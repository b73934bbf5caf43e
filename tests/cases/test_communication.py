"""Talking to customers: thank-yous for praise and suggestions from editable zh/en templates,
the follow-up hand-off when a case is resolved."""

from tests.factories import make_account
from voxloop.jobs.executor import drain


def submit(client, acct, text, email="li@example.com", locale=None):  # type: ignore[no-untyped-def]
    customer = {"name": "Li Lei", "email": email, **({"locale": locale} if locale else {})}
    r = client.post(
        "/api/v1/feedback", json={"description": text, "customer": customer}, headers=acct.headers
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_praise_is_thanked_once_in_the_customers_language_with_the_organizations_words(client, smtp):
    agent = make_account(role="manager")
    r = client.put(
        "/api/v1/templates/thanks_praise/en",
        json={
            "subject": "Thanks, {{ customer_name }}!",
            "body": "{{ organization }} thanks you ({{ tracking_code }}).",
        },
        headers=agent.headers,
    )
    assert r.status_code == 200, r.text
    praise = submit(client, agent, "Excellent dinner, the staff were wonderful, thank you", locale="en")
    submit(client, agent, "早餐等位太久了，很不满意", email="other@example.com")  # a complaint: no thanks
    drain()
    drain()  # running again sends nothing more
    thanks = [m for m in smtp.wait_for(3) if "Thanks" in m["Subject"] or "感谢" in m["Subject"]]
    assert len(thanks) == 1 and thanks[0]["Subject"] == "Thanks, Li Lei!"
    assert praise["tracking_code"] in thanks[0].get_body().get_content()
    timeline = client.get(f"/api/v1/feedback/{praise['id']}/timeline", headers=agent.headers).json()
    assert [e["kind"] for e in timeline].count("thanked") == 1


def test_a_chinese_suggestion_gets_the_default_chinese_thanks(client, smtp):
    agent = make_account(role="agent")
    submit(client, agent, "建议在大堂增加充电桩，方便客人给手机充电")
    drain()
    thanks = [m for m in smtp.wait_for(2) if "建议" in m["Subject"]]
    assert thanks and "感谢您为" in thanks[0].get_body().get_content()


def test_praise_written_in_english_is_thanked_in_english_whatever_the_page_language(client, smtp):
    agent = make_account(role="agent")  # a zh_CN organization
    # She used the Chinese page (her locale), but wrote in English: she is answered in English.
    submit(client, agent, "Wonderful stay, the staff were so kind, thank you!", locale="zh_CN")
    drain()
    [thanks] = [m for m in smtp.wait_for(2) if "Thank" in m["Subject"] or "感谢" in m["Subject"]]
    assert thanks["Subject"].startswith("Thank you for your kind words")


def test_templates_are_listed_and_checked(client):
    manager = make_account(role="manager")
    listed = client.get("/api/v1/templates", headers=manager.headers).json()
    kinds = ("thanks_praise", "thanks_suggestion", "remedy_apology", "remedy_voucher", "remedy_compensation")
    assert {(t["kind"], t["locale"]) for t in listed} == {(k, lc) for k in kinds for lc in ("zh_CN", "en")}
    bad = client.put(
        "/api/v1/templates/thanks_praise/zh_CN",
        json={"subject": "{{ oops", "body": ""},
        headers=manager.headers,
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} == {"subject", "body"}
    sandboxed = client.put(
        "/api/v1/templates/thanks_praise/en",
        json={"subject": "x", "body": "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
        headers=manager.headers,
    )
    assert (
        sandboxed.status_code == 422 and "template error" in sandboxed.json()["error"]["fields"][0]["reason"]
    )
    assert (
        client.put(
            "/api/v1/templates/nope/en", json={"subject": "a", "body": "b"}, headers=manager.headers
        ).status_code
        == 404
    )


def test_resolving_hands_the_case_to_the_follow_up_survey(client):
    agent = make_account(role="agent")
    case = submit(client, agent, "房间有异味")
    for to in ("in_progress", "resolved"):
        client.post(f"/api/v1/feedback/{case['id']}/transitions", json={"to": to}, headers=agent.headers)
    drain()
    timeline = client.get(f"/api/v1/feedback/{case['id']}/timeline", headers=agent.headers).json()
    assert [e["kind"] for e in timeline].count("follow_up_due") == 1


def test_a_note_mentioning_colleagues_tells_them(client, smtp):
    agent = make_account(role="agent")
    chen = make_account(role="handler", org_slug=agent.org_slug, email="chen@hotel.example")
    make_account(role="handler", org_slug=agent.org_slug, email="wang@hotel.example")
    outsider = make_account(role="handler", email="zhao@other.example")
    case = submit(client, agent, "房间有异味", email=None)
    r = client.post(
        f"/api/v1/feedback/{case['id']}/notes",
        json={"text": "@chen 请看一下，@zhao 不是我们的人"},
        headers=agent.headers,
    )
    note = [e for e in r.json() if e["kind"] == "note"][0]
    assert note["data"]["mentions"] == [chen.user_id]
    drain()
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "chen@hotel.example" and "请看一下" in mail.get_body().get_content()
    assert outsider.email not in {m["To"] for m in smtp.messages}


def test_a_duplicate_is_merged_into_the_case_that_carries_on(client):
    agent = make_account(role="agent")
    first = submit(client, agent, "1203房间空调坏了")
    second = submit(client, agent, "1203的空调还是坏的，请尽快处理")
    r = client.post(
        f"/api/v1/feedback/{second['id']}/merge", json={"into": first["id"]}, headers=agent.headers
    )
    assert r.status_code == 200 and r.json()["id"] == first["id"]
    merged = client.get(f"/api/v1/feedback/{second['id']}", headers=agent.headers).json()
    assert (merged["status"], merged["flag"], merged["flag_reason"]) == (
        "closed",
        "duplicate",
        f"merged into #{first['id']}",
    )
    timeline = client.get(f"/api/v1/feedback/{first['id']}/timeline", headers=agent.headers).json()
    assert [e["data"]["text"] for e in timeline if e["kind"] == "merged_from"] == [
        "1203的空调还是坏的，请尽快处理"
    ]
    page = client.get(f"/t/{second['tracking_code']}").text
    assert f'href="/t/{first["tracking_code"]}"' in page
    again = client.post(
        f"/api/v1/feedback/{second['id']}/merge", json={"into": first["id"]}, headers=agent.headers
    )
    assert again.status_code == 409
    itself = client.post(
        f"/api/v1/feedback/{first['id']}/merge", json={"into": first["id"]}, headers=agent.headers
    )
    assert itself.status_code == 422
    other = make_account(role="agent")
    foreign = submit(client, other, "another org")
    r = client.post(
        f"/api/v1/feedback/{first['id']}/merge", json={"into": foreign["id"]}, headers=agent.headers
    )
    assert r.status_code == 422
