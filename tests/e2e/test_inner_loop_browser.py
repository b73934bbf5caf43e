"""The inner loop on the demo as `make run` has it (issue: survey answers that open follow-up
cases): a guest answers the demo's monthly NPS survey on her phone as a detractor and leaves an
email; the served process's outbox opens a follow-up case, triaged and routed like any other;
the manager finds it in the inbox, sees the answers that opened it, calls back and resolves it;
the guest gets the one-question re-survey by email and answers as a promoter; the survey's page
counts one more recovered follow-up. In English and in Chinese."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, open_from_inbox, shot, sign_in, text_of
from tests.e2e.test_s1_phone_complaint_browser import reply_then_move
from voxloop.surveys import templates
from voxloop.surveys.models import Response, Survey

WORDS = {
    "en": {
        "why": "Nobody fixed the air conditioner in room {room} for two nights.",
        "contact": "May we contact you? (optional)",
        "thanks": "Thank you",
        "origin": "Opened by the answers of survey response",
        "callback": "We are sorry: the air conditioner in room {room} is fixed now, and we called you back.",
        "in progress": "In progress",
        "resolved": "Resolved",
        "resurvey": "How likely are you to recommend us",
    },
    "zh_CN": {
        "why": "{room}房间的空调坏了两晚都没人修。",
        "contact": "我们可以联系您吗？（选填）",
        "thanks": "感谢",
        "origin": "由问卷答卷",
        "callback": "非常抱歉，{room}房间的空调已经修好了，我们也给您回了电话。",
        "in progress": "处理中",
        "resolved": "已解决",
        "resurvey": "您有多大可能向朋友或同事推荐我们？",
    },
}


def recovered(page: Page) -> tuple[str, int]:
    """The survey page's recovery rate as shown, and its n."""
    shown = page.locator("dd.recovery_rate").inner_text()
    found = re.search(r"n = (\d+)", shown)
    assert found, shown
    return shown, int(found.group(1))


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_a_detractor_is_called_back_and_recovered_on_the_demo(
    served: Served, contexts: Contexts, locale: str
) -> None:
    words = WORDS[locale]
    room = "1506" if locale == "en" else "1608"  # one record per run
    guest_email = f"detractor.{locale.lower()}@guest.example.com"
    why = words["why"].format(room=room)

    # The manager shares the monthly NPS survey's link (its page shows it).
    manager = sign_in(contexts(locale), served.url, "manager@cloudhill.example", locale)
    with served.db() as db:
        survey_id, name = db.execute(
            select(Survey.id, Survey.name).where(
                Survey.name == templates.named(templates.TEMPLATES["nps"][0])
            )
        ).one()
    manager.goto(f"{served.url}/surveys")
    manager.get_by_role("link", name=name).first.click()
    expect(manager).to_have_url(f"{served.url}/surveys/{survey_id}")
    link = manager.locator("article.distribute p a").first.get_attribute("href")
    assert link and "/s/" in link
    before, n_before = recovered(manager)

    # 1. The guest answers on her phone: 2 out of 10, why, and an email to call her back on.
    guest = contexts(locale, phone=True).new_page()
    guest.goto(link)
    guest.locator("input[name=nps][value='2']").check()
    guest.fill("textarea[name=why]", why)
    expect(guest.locator("body")).to_contain_text(words["contact"])
    guest.fill("input[name='contact.name']", "Wang Fang")
    guest.fill("input[name='contact.email']", guest_email)
    shot(guest, f"inner-{locale}-1-answer")
    guest.locator("form button[type=submit]").tap()
    expect(guest.locator("body")).to_contain_text(words["thanks"])

    # 2. A follow-up case, in the inbox, quoting her answers.
    record_id, _ = served.case(why, guest_email)
    with served.db() as db:
        response_id = db.scalar(select(Response.id).where(Response.follow_up_id == record_id))
    assert response_id is not None
    open_from_inbox(manager, served, record_id)
    expect(manager.locator(".survey-origin")).to_contain_text(words["origin"])
    expect(manager.locator(".survey-origin")).to_contain_text(f"#{response_id}")
    expect(manager.locator(".text").first).to_contain_text(why)
    shot(manager, f"inner-{locale}-2-case")

    # 3. Called back, fixed, resolved.
    reply_then_move(manager, words["callback"].format(room=room), "in_progress", words["in progress"])
    reply_then_move(manager, words["callback"].format(room=room) + " ✓", "resolved", words["resolved"])

    # 4. The one-question re-survey by email; now she would recommend us.
    invitation = text_of(served.mail_to(guest_email, f"{served.url}/s/"))
    again = re.search(r"http://127\.0\.0\.1:\d+/s/\S+", invitation)
    assert again, invitation
    guest.goto(again.group(0))
    expect(guest.locator("body")).to_contain_text(words["resurvey"])
    guest.locator("input[name=nps][value='9']").check()
    shot(guest, f"inner-{locale}-4-resurvey")
    guest.locator("form button[type=submit]").tap()
    expect(guest.locator("body")).to_contain_text(words["thanks"])

    # 5. The survey's page counts one more re-surveyed follow-up case: hers, won back.
    manager.goto(f"{served.url}/surveys/{survey_id}")
    after, n_after = recovered(manager)
    assert n_after == n_before + 1, (before, after)
    with served.db() as db:
        answers = db.scalars(select(Response.answers).where(Response.resurvey_of_id == response_id))
        assert list(answers) == [{"nps": 9}]
    shot(manager, f"inner-{locale}-5-recovered")
