"""S8, privacy and trust. 1. A guest asks for her data: the admin finds her in the customer
directory, downloads everything about her in one ZIP (her record with its timeline and her
message, her survey answer, her contact details), then erases her on request: her words are
gone from the case page (a marker in the staff's language instead), her name, email and phone
are gone everywhere the admin looks, and the statistics stay (the record is still there with
its classification, her answer still counts in the survey's results). 2. An anonymous survey
tells the respondent, in her language, that no contact data is kept, and keeps none: the
stored response has no customer, no invitation, no device fingerprint, no time finer than the
day, and nothing of her browser (address, user agent). The admin works in English and in
Chinese; the guests in their own language."""

import io
import json
import re
import zipfile
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, shot, sign_in, text_of
from voxloop.customers.models import Customer
from voxloop.feedback.models import Feedback
from voxloop.surveys.models import Response, Survey

GUEST = {
    "en": ("林晓雯", "lin.xiaowen@guest.example.cn", "+86 138 0013 8021"),
    "zh_CN": ("林晓霞", "lin.xiaoxia@guest.example.cn", "+86 138 0013 8022"),
}
COMPLAINT = "早餐的咖啡是凉的，服务员态度也很冷淡，希望改进。"
MESSAGE = "另外，我的房卡这周消磁了两次。"
WHY = "早餐需要改进，其他都还可以。"
WORDS = {
    "en": {
        "erased": "[erased at the customer's request]",
        "erased_customer": "Erased customer",
        "nobody": "No customers match these filters.",
        "anonymous": "This survey is anonymous: we keep no contact details (unless you choose to leave them",
    },
    "zh_CN": {
        "erased": "［应客户要求已删除］",
        "erased_customer": "已删除的客户",
        "nobody": "没有符合筛选条件的客户。",
        "anonymous": "本问卷匿名：我们不会保存您的联系方式（除非您在最后自愿留下",
    },
}


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s8_a_guest_gets_her_data_then_is_erased(served: Served, contexts: Contexts, locale: str) -> None:
    words = WORDS[locale]
    name, email, phone = GUEST[locale]

    # The guest's traces: a complaint with her contact details, a message on its tracking
    # page, and her answer to the relationship survey she was invited to by email.
    guest = contexts("zh_CN", phone=True).new_page()
    guest.goto(f"{served.url}/f/cloudhill")
    guest.fill("textarea[name=description]", COMPLAINT)
    guest.fill("input[name=customer_name]", name)
    guest.fill("input[name=customer_email]", email)
    guest.fill("input[name=customer_phone]", phone)
    guest.tap("form button[type=submit]")
    code = guest.locator(".tracking-code").inner_text()
    record_id, _ = served.case(COMPLAINT, email)
    guest.goto(f"{served.url}/t/{code}")
    guest.fill(f"form[action='/t/{code}/message'] textarea[name=text]", MESSAGE)
    guest.locator(f"form[action='/t/{code}/message'] button").tap()
    expect(guest.locator(".timeline")).to_contain_text(MESSAGE)

    admin = sign_in(contexts(locale), served.url, "admin@cloudhill.example", locale)
    admin.goto(f"{served.url}/surveys")
    admin.get_by_role("link", name="关系型 NPS / Relationship NPS", exact=True).click()
    survey_page = admin.url
    admin.fill("textarea[name=emails]", email)
    admin.locator("form[action$='/invitations'] button[type=submit]").click()
    invitation = text_of(served.mail_to(email, f"{served.url}/s/"))
    link = re.search(r"http://127\.0\.0\.1:\d+/s/\S+", invitation)
    assert link, invitation
    guest.goto(link.group(0))
    guest.locator("input[name=nps][value='8']").check()
    guest.fill("textarea[name=why]", WHY)
    guest.locator("form.survey button[type=submit]").tap()
    expect(guest.locator("body")).to_contain_text("感谢")
    admin.goto(survey_page)
    counted = admin.locator("article.results dd").nth(1).inner_text()

    # 1. She asks for her data: the admin finds her and downloads everything in one ZIP.
    admin.goto(f"{served.url}/customers")
    admin.fill("input[name=q]", email)
    admin.locator("form.filters button[type=submit]").click()
    expect(admin.locator("table.customers tbody tr")).to_have_count(1)
    admin.locator("table.customers tbody tr a").first.click()
    expect(admin.locator("h1")).to_have_text(name)
    expect(admin.locator("table.customer-feedback")).to_contain_text(code)
    expect(admin.locator("table.customer-responses")).to_contain_text(WHY)
    shot(admin, f"s8-{locale}-1-profile")
    with admin.expect_download() as download:
        admin.locator("a[href$='/export']").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert download.value.suggested_filename.endswith(".zip")
    customer = json.loads(archive.read("customer.json"))
    assert (customer["name"], customer["email"], customer["phone"]) == (name, email, phone)
    (record,) = json.loads(archive.read("feedback.json"))
    assert record["tracking_code"] == code and record["description"] == COMPLAINT
    assert any(e["kind"] == "customer_message" and e["data"]["text"] == MESSAGE for e in record["timeline"])
    (answer,) = json.loads(archive.read("survey_responses.json"))
    assert answer["answers"] == {"nps": 8, "why": WHY}
    (invited,) = json.loads(archive.read("survey_invitations.json"))
    assert invited["email"] == email

    # 2. She asks to be erased.
    admin.locator("a[href$='/erase']").click()
    shot(admin, f"s8-{locale}-2-erase")
    admin.locator("form.customer-erase input[name=confirm]").check()
    admin.locator("form.customer-erase button[type=submit]").click()
    expect(admin.locator("h1")).to_have_text(words["erased_customer"])
    expect(admin.locator(".customer-email")).to_have_text("—")
    expect(admin.locator(".notice.erased")).to_be_visible()
    # her record is no longer linked to anyone: it is found by its code, as the statistics find it
    expect(admin.locator("table.customer-feedback")).not_to_contain_text(code)
    shot(admin, f"s8-{locale}-3-erased")
    gone = [name, email, phone, COMPLAINT, MESSAGE, WHY]

    # Her words are gone from the case; what it was and how it went stay.
    admin.goto(f"{served.url}/feedback/{record_id}")
    expect(admin.locator("h1")).to_contain_text(code)
    expect(admin.locator("p.text").first).to_have_text(words["erased"])
    expect(admin.locator(".triage-type")).not_to_have_text("—")
    assert_none_of(admin, gone)
    shot(admin, f"s8-{locale}-4-case")
    admin.goto(f"{served.url}/customers?q={email}")
    expect(admin.locator("p.shown")).to_have_text(words["nobody"])
    # The statistics stay: her answer still counts, the record is still there.
    admin.goto(survey_page)
    expect(admin.locator("article.results dd").nth(1)).to_have_text(counted)
    assert_none_of(admin, gone)
    with served.db() as db:
        kept = db.get(Feedback, record_id)
        assert kept is not None and kept.customer_id is None and kept.type is not None
        assert db.scalar(select(func.count()).select_from(Customer).where(Customer.email == email)) == 0


def assert_none_of(page: Page, words: list[str]) -> None:
    html = page.content()
    found = [w for w in words if w in html]
    assert not found, f"{page.url} still shows {found}"


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s8_an_anonymous_survey_says_it_keeps_no_contact_data_and_keeps_none(
    served: Served, contexts: Contexts, locale: str
) -> None:
    words = WORDS[locale]
    # The admin makes an anonymous survey from the NPS template and publishes it.
    admin = sign_in(contexts(locale), served.url, "admin@cloudhill.example", locale)
    admin.goto(f"{served.url}/surveys")
    name = f"Anonymous NPS ({locale})"
    create = admin.locator("form[action='/surveys']")
    create.locator("input[name=name]").fill(name)
    create.locator("select[name=template]").select_option("nps")
    create.locator("input[name=anonymous]").check()
    create.locator("button[type=submit]").click()
    expect(admin.locator("h1")).to_have_text(name)
    admin.locator("form[action$='/publish'] button").click()
    link = admin.locator("article.distribute a").first.get_attribute("href")
    assert link and "/s/" in link, link
    survey_id = int(admin.url.rstrip("/").split("/")[-1].split("?")[0])

    # A guest opens the link on her phone, in her language: the notice; leaving contact details
    # (to be called back about a problem) is her choice, and she leaves none.
    guest = contexts(locale, phone=True).new_page()
    agent = guest.evaluate("navigator.userAgent")
    guest.goto(link if link.startswith("http") else f"{served.url}{link}")
    expect(guest.locator("p.notice.anonymous")).to_contain_text(words["anonymous"])
    contact = guest.locator("fieldset.contact")
    expect(contact.locator("legend")).to_contain_text("选填" if locale == "zh_CN" else "optional")
    for field in ("name", "email", "phone"):
        expect(contact.locator(f"input[name='contact.{field}']")).to_have_value("")
    shot(guest, f"s8-{locale}-5-anonymous")
    guest.locator("input[name=nps][value='9']").check()
    guest.fill("textarea[name=why]", WHY)
    guest.locator("form.survey button[type=submit]").tap()
    expect(guest.locator("body")).to_contain_text("感谢" if locale == "zh_CN" else "Thank")
    shot(guest, f"s8-{locale}-6-answered")

    # What is kept: her answers, the day; nobody, no device, nothing of her browser.
    with served.db() as db:
        assert db.get(Survey, survey_id).anonymous
        (response,) = db.scalars(select(Response).where(Response.survey_id == survey_id)).all()
        stored = {c.name: getattr(response, c.name) for c in Response.__table__.columns}
    assert stored["answers"] == {"nps": 9, "why": WHY}
    assert stored["customer_id"] is None and stored["invitation_id"] is None and stored["feedback_id"] is None
    assert stored["fingerprint"] is None and stored["hidden"] == {}
    day = stored["submitted_at"]
    assert (day.hour, day.minute, day.second, day.microsecond) == (0, 0, 0, 0)
    assert_nothing_of_the_browser(stored, agent)


def assert_nothing_of_the_browser(stored: dict[str, Any], agent: str) -> None:
    """No IP address, user agent or email in any column of the stored response."""
    text = json.dumps(stored, default=str, ensure_ascii=False)
    for trace in ("127.0.0.1", agent, "Mozilla", "@"):
        assert trace not in text, f"the anonymous response keeps {trace!r}: {text}"
