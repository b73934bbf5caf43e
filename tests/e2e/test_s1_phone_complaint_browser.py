"""S1, a guest complains on her phone: 王女士 scans the room card's QR code at the Hangzhou West
Lake hotel, writes in Chinese that the air conditioner in room 1203 has been broken since last
night, attaches a photo; she gets a tracking code and an acknowledgement email with its link;
the complaint is classified (complaint, facilities, negative, urgent) and routed to Engineering
with the 2-hour first-response deadline; the handler asks her a question and the clock pauses
until she answers on the tracking page; he replies and resolves, she confirms; the post-case
CSAT survey comes by email after its delay and her answer lands on the dashboard. The staff
work in English and in Chinese; the guest writes in Chinese."""

import re
import struct
import zlib
from urllib.parse import quote

import pytest
from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, open_from_inbox, shot, sign_in, text_of, until
from tests.e2e.test_s2_hotline_late_case_browser import clock_of
from voxloop.commitments.models import CaseClock
from voxloop.feedback.models import Feedback
from voxloop.surveys.models import Response

HOTEL = "杭州西湖店"
COMPLAINT = "1203房间的空调从昨晚就坏了，一直没人来修。"
# What each step says in the staff's language.
WORDS = {
    "en": {
        "department": "Engineering",
        "type": "Complaint",
        "category": "facilities",
        "sentiment": "Negative",
        "urgency": "High",
        "commitment": "Urgent issues",
        "waiting": "Waiting for customer",
        "in_progress": "In progress",
        "resolved": "Resolved",
    },
    "zh_CN": {
        "department": "工程部",
        "type": "投诉",
        "category": "设施",
        "sentiment": "负面",
        "urgency": "高",
        "commitment": "紧急问题",
        "waiting": "等待客户",
        "in_progress": "处理中",
        "resolved": "已解决",
    },
}


def photo() -> bytes:
    """A real (one-pixel) PNG, as a phone's camera would attach."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80\x80\x80")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def status_of(page: Page) -> str:
    return page.locator("hgroup p").inner_text()


def case_clock(served: Served, code: str) -> CaseClock | None:
    return clock_of(served, Feedback.tracking_code == code)


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s1_a_guest_complains_on_her_phone(served: Served, contexts: Contexts, locale: str) -> None:
    words = WORDS[locale]
    guest_email = f"wang.{locale.lower()}@guest.example.cn"

    # 1. The room card's QR code opens the form for her hotel; she writes and attaches a photo.
    guest = contexts("zh_CN", phone=True).new_page()
    guest.goto(f"{served.url}/f/cloudhill?branch={quote(HOTEL)}")
    expect(guest.locator("select[name=branch]")).to_have_value(HOTEL)  # the room card's hotel, chosen
    guest.fill("textarea[name=description]", COMPLAINT)
    guest.fill("input[name=customer_name]", "王女士")
    guest.fill("input[name=customer_email]", guest_email)
    guest.set_input_files(
        "input[name=attachments]", files=[FilePayload(name="空调.png", mimeType="image/png", buffer=photo())]
    )
    shot(guest, f"s1-{locale}-1-form")
    guest.tap("form button[type=submit]")

    # 2. The tracking code on screen, the acknowledgement email with the link.
    code = guest.locator(".tracking-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{12}", code)
    shot(guest, f"s1-{locale}-2-code")
    served.mail_to(guest_email, f"{served.url}/t/{code}")

    # 3. Classified and routed: the handler of Engineering finds it in his inbox; in Chinese he
    # works the whole case on his phone.
    staff = sign_in(
        contexts(locale, phone=locale == "zh_CN"), served.url, "engineer@cloudhill.example", locale
    )
    record_id, _ = served.case(COMPLAINT, guest_email)
    until(lambda: case_clock(served, code), what="the case's commitment clock")
    open_from_inbox(staff, served, record_id)
    expect(staff.locator("h1")).to_contain_text(code)
    assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(staff.locator(".triage-type")).to_have_text(words["type"])
    expect(staff.locator(".triage-category")).to_contain_text(re.compile(words["category"], re.I))
    classification = staff.locator("dl.triage").inner_text()
    assert words["sentiment"] in classification and words["urgency"] in classification
    expect(staff.locator(".case-department")).to_have_text(words["department"])
    expect(staff.locator("article").first).to_contain_text(HOTEL)
    expect(staff.locator(".case-commitment")).to_have_text(words["commitment"])
    expect(staff.locator("a", has_text="空调.png")).to_be_visible()
    clock = case_clock(served, code)
    assert clock is not None and clock.response_due is not None
    assert clock.response_due - clock.started_work == 2 * 3600  # working seconds
    shot(staff, f"s1-{locale}-3-case")

    # 4. The handler asks a question; the clock pauses until she answers on the tracking page.
    question = (
        "王女士您好，师傅今天什么时间上门方便？" if locale == "zh_CN" else "Which time suits you today?"
    )
    reply_then_move(staff, question, "waiting_customer", words["waiting"])
    paused = case_clock(served, code)
    assert paused is not None and paused.paused_work is not None
    served.mail_to(guest_email, question)  # the question reaches her by email too

    guest.goto(f"{served.url}/t/{code}")
    expect(guest.locator(".timeline")).to_contain_text(question)
    guest.fill(f"form[action='/t/{code}/message'] textarea[name=text]", "下午三点以后都可以。")
    guest.locator(f"form[action='/t/{code}/message'] button").tap()
    expect(guest.locator(".timeline")).to_contain_text("下午三点以后都可以")
    shot(guest, f"s1-{locale}-4-answer")
    staff.reload()
    expect(staff.locator("hgroup p")).to_contain_text(words["in_progress"])
    resumed = case_clock(served, code)
    assert resumed is not None and resumed.paused_work is None
    # The resolution deadline moved on by the working time she took to answer.
    assert paused.resolution_due is not None and resumed.resolution_due is not None
    assert resumed.resolution_due >= paused.resolution_due

    # The post-case survey goes out a day after the resolution; the manager sets no delay, so
    # the test need not wait a day for the executor to send it.
    manager = sign_in(contexts(locale), served.url, "manager@cloudhill.example", locale)
    survey_delay(served, manager, expect_hours="24", to="0")
    try:
        resolve_and_survey(served, staff, guest, manager, locale, code, record_id)
    finally:
        survey_delay(served, manager, expect_hours="0", to="24")


def resolve_and_survey(
    served: Served, staff: Page, guest: Page, manager: Page, locale: str, code: str, record_id: int
) -> None:
    words = WORDS[locale]
    guest_email = f"wang.{locale.lower()}@guest.example.cn"

    # 5. Fixed: the handler replies and resolves; she confirms on the tracking page.
    done = "空调已经修好了，给您添麻烦了。"
    reply_then_move(staff, done, "resolved", words["resolved"])
    shot(staff, f"s1-{locale}-5-resolved")
    guest.goto(f"{served.url}/t/{code}")
    expect(guest.locator(".timeline")).to_contain_text(done)
    guest.locator(f"form[action='/t/{code}/confirm'] button").tap()
    expect(guest.locator(".status")).to_have_text(re.compile("已关闭"))
    shot(guest, f"s1-{locale}-5-confirmed")

    # 6. The two-question CSAT survey by email, answered on her phone, kept with her case.
    invitation = text_of(served.mail_to(guest_email, f"{served.url}/s/"))
    link = re.search(r"http://127\.0\.0\.1:\d+/s/\S+", invitation)
    assert link, invitation
    guest.goto(link.group(0))
    expect(guest.locator("body")).to_contain_text("您对这次问题的处理满意吗？")
    guest.locator("input[name=csat][value='5']").check()
    guest.locator("input[name=resolved][value='yes']").check()
    shot(guest, f"s1-{locale}-6-survey")
    guest.locator("form button[type=submit]").last.tap()
    expect(guest.locator("body")).to_contain_text("感谢")
    with served.db() as db:
        answers = db.scalars(
            select(Response.answers).where(Response.hidden["case_id"].as_string() == str(record_id))
        ).all()
    assert answers == [{"csat": 5, "resolved": "yes"}]
    manager.goto(f"{served.url}/surveys")
    manager.get_by_role("link", name="Post-case CSAT").click()
    manager.goto(f"{manager.url}/responses")
    expect(manager.locator("tbody tr").first).to_contain_text("csat: 5")
    shot(manager, f"s1-{locale}-6-responses")


def reply_then_move(staff: Page, text: str, to: str, shown: str) -> None:
    """The handler answers on the case page, then moves the case on; the page shows both."""
    staff.fill("form[action$='/reply'] textarea[name=text]", text)
    staff.click("form[action$='/reply'] button[type=submit]")
    expect(staff.locator(".timeline")).to_contain_text(text)
    staff.select_option("form[action$='/status'] select[name=to]", to)
    staff.click("form[action$='/status'] button[type=submit]")
    expect(staff.locator("hgroup p")).to_contain_text(shown)


def survey_delay(served: Served, page: Page, *, expect_hours: str, to: str) -> None:
    """On the post-case survey's page, read its delay and set another."""
    page.goto(f"{served.url}/surveys")
    page.get_by_role("link", name="Post-case CSAT").click()
    hours = page.locator("form.delay input[name=delay_hours]")
    expect(hours).to_have_value(expect_hours)
    hours.fill(to)
    page.locator("form.delay button[type=submit]").click()
    expect(page.locator("form.delay input[name=delay_hours]")).to_have_value(to)
