"""S2, a hotline call and a late case: an agent records the call of an English-speaking guest
about a wrong charge, taken on a Friday at 17:40; it is routed to Front Office under the
complaint commitment (resolved within 4 working hours), so its deadline lands on Monday
12:40 (later if a public holiday came between). Nobody acts: the executor's sweep warns and,
the deadline passed, escalates the breach to the department head, and the commitment's
remedies are opened: an apology emailed to the guest, a voucher, a follow-up call, each moved
on by staff. The manager's SLA page shows the breach, the compliance and who is overloaded.

The time is the call's own: it was received more than a week ago, so the served Voxloop's
sweep (every two seconds here) finds the deadline passed, as it would on the Monday."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, shot, sign_in, text_of, until
from voxloop.commitments.models import CaseClock
from voxloop.feedback.models import Feedback

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALL = (
    "Guest called ({line} line) about a wrong charge on her bill: the room was charged twice at "
    "check-out and she wants the extra charge refunded."
)
WORDS = {
    "en": {
        "department": "Front Office",
        "commitment": "Complaints",
        "breached": "Commitment broken",
        "apology": "Apology",
        "voucher": "Voucher",
        "callback": "Call-back",
        "delivered": "Carried out",
        "escalated": "Escalated",
        "remedy_sent": "Remedy sent to the customer",
        "overloaded": "Overloaded",
    },
    "zh_CN": {
        "department": "前厅部",
        "commitment": "投诉",
        "breached": "服务承诺未兑现",
        "apology": "道歉",
        "voucher": "代金券",
        "callback": "回访电话",
        "delivered": "已兑现",
        "escalated": "已升级",
        "remedy_sent": "补救措施已发送给客户",
        "overloaded": "负荷过重",
    },
}


def a_friday_evening(today: date) -> datetime:
    """17:40 on the latest Friday at least a week ago (its Monday deadline is surely past)."""
    day = today - timedelta(days=7)
    while day.weekday() != 4:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 17, 40, tzinfo=SHANGHAI)


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s2_a_hotline_call_breaks_its_commitment(served: Served, contexts: Contexts, locale: str) -> None:
    words = WORDS[locale]
    guest = f"emily.{locale.lower()}@guest.example.com"
    call = CALL.format(line="English" if locale == "en" else "Chinese")
    taken = a_friday_evening(datetime.now(SHANGHAI).date())

    # 1. The agent records the call, with the time it was taken.
    agent = sign_in(contexts(locale), served.url, "agent@cloudhill.example", locale)
    agent.goto(f"{served.url}/feedback/new")
    agent.select_option("select[name=channel]", "hotline")
    agent.fill("input[name=received_at]", taken.strftime("%Y-%m-%dT%H:%M"))
    agent.fill("textarea[name=description]", call)
    agent.select_option("select[name=branch]", "上海外滩店")
    agent.fill("input[name=customer_name]", "Emily Clark")
    agent.fill("input[name=customer_email]", guest)
    agent.click("form[action='/feedback/new'] button[type=submit]")
    expect(agent.locator(".notice")).to_be_visible()
    record_url = agent.url
    code = agent.locator("h1").inner_text().split()[-1]

    # 2. Routed to Front Office under the complaint commitment: 4 working hours to resolve,
    # counted from Friday 17:40, so the deadline is on the next working day.
    def clock() -> CaseClock | None:
        with served.db() as db:
            return db.scalar(
                select(CaseClock)
                .join(Feedback, Feedback.id == CaseClock.feedback_id)
                .where(Feedback.description == call)
            )

    started = until(clock, what="the case's commitment clock")
    assert started.resolution_due is not None
    assert started.resolution_due - started.started_work == 4 * 3600  # working seconds
    agent.goto(record_url)
    expect(agent.locator(".case-department")).to_have_text(words["department"])
    expect(agent.locator(".case-commitment")).to_have_text(words["commitment"])

    # 3. Nobody acts: the sweep records the breach, escalates it to the head of Front Office
    # and proposes the commitment's remedies on the case. (The deadline had passed before the
    # call was recorded, so no warning came first: that needs a clock the test can move.)
    served.mail_to("frontoffice@cloudhill.example", code)
    agent.reload()
    expect(agent.locator(".case-due")).to_contain_text(words["breached"])
    expect(agent.locator(".timeline")).to_contain_text(words["breached"])
    expect(agent.locator(".timeline")).to_contain_text(words["escalated"])
    remedies = agent.locator("section.remedies li.remedy")
    for kind in ("apology", "voucher", "callback"):
        expect(remedies.filter(has_text=words[kind])).to_have_count(1)
    shot(agent, f"s2-{locale}-3-breached")

    # The remedies are carried out: the apology and the voucher are emailed to the guest, the
    # call-back is made; each is approved, then delivered.
    for kind in ("apology", "voucher", "callback"):
        item = remedies.filter(has_text=words[kind])
        if kind == "voucher":
            item.locator("input[name=amount]").fill("CNY 200")
        item.locator("button[value=approved]").click()
        item = agent.locator("section.remedies li.remedy", has_text=words[kind])
        item.locator("button[value=delivered]").click()
        expect(agent.locator("section.remedies li.remedy", has_text=words[kind])).to_contain_text(
            words["delivered"]
        )
    # She speaks English: the apology and the voucher come in English, whatever the staff read.
    apology = served.mail_to(guest, "We are sorry")
    assert "Our apologies" in str(apology["Subject"])
    assert "CNY 200" in text_of(served.mail_to(guest, "To make up for the trouble"))
    agent.reload()
    expect(agent.locator(".timeline")).to_contain_text(words["remedy_sent"])
    shot(agent, f"s2-{locale}-3-remedies")

    # 4. The manager's SLA page: the breach, the compliance, who is overloaded.
    manager = sign_in(contexts(locale), served.url, "manager@cloudhill.example", locale)
    manager.goto(f"{served.url}/reports/sla?days=30")
    expect(manager.locator("#breached")).to_contain_text(code)
    expect(manager.locator("#compliance")).to_contain_text(words["commitment"])
    expect(manager.locator("#compliance")).to_contain_text(re.compile(r"\d+%"))
    owner = agent.locator(".case-assignee").inner_text()
    row = manager.locator("#workload tr", has_text=owner)
    expect(row).to_contain_text(words["overloaded"])
    shot(manager, f"s2-{locale}-4-sla")
