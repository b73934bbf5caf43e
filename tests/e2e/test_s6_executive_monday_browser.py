"""S6, the executive's Monday: the weekly scorecard arrives by email as a PDF, the way the
scheduler sends it (the served Voxloop's daily round found the demo's schedules due): NPS, CSAT,
CES, the complaint rate and the commitments kept, each with its 95 % interval and whether the
change from last month is significant; the general manager reads it in Chinese, the owners'
board in English. Then she opens the scorecard, filters by city, and drills from a dip in
CSAT to the feedback behind it: the cases whose answers made that month's point. On a laptop
and on her phone."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pymupdf
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LANGUAGES, Contexts, Served, shot, sign_in
from voxloop.accounts.models import Branch
from voxloop.feedback.models import Feedback
from voxloop.surveys import definition, quality
from voxloop.surveys.models import Response, Survey

CITY = "Shanghai"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Who gets the weekly scorecard in which language (the demo's schedules).
READERS = {"en": "board@cloudhill.example", "zh_CN": "gm@cloudhill.example"}
WORDS = {
    "en": {
        "attached": "The report is attached.",
        "title": "Executive scorecard",
        "indicators": ("NPS", "CSAT (mean, 1-5)", "CES (mean, 1-7)", "Complaint rate", "Commitments kept"),
        "changes": ("significant change", "no significant change"),
        "header": ("95% CI", "Change"),
        "city": "City",
        "rated": "Rated in CSAT answers of {start} – {end}",
    },
    "zh_CN": {
        "attached": "报告见附件。",
        "title": "高管记分卡",
        "indicators": (
            "净推荐值 NPS",
            "满意度 CSAT（均值，1-5）",
            "费力度 CES（均值，1-7）",
            "投诉率",
            "承诺达成率",
        ),
        "changes": ("显著变化", "无显著变化"),
        "header": ("95% 置信区间", "变化"),
        "city": "城市",
        "rated": "{start} – {end} 的 CSAT 评分所涉反馈",
    },
}


def pdf_rows(content: bytes) -> list[str]:
    """The scorecard PDF's text, one cell a line."""
    document = pymupdf.open(stream=content, filetype="pdf")
    return [line.strip() for page in document for line in page.get_text().splitlines() if line.strip()]


def card_n(page: Page, metric: str) -> int:
    """The n of a scorecard card (0 when it has no data this month)."""
    found = re.search(r"n = (\d+)", page.locator(f"article.card-{metric}").inner_text())
    return int(found.group(1)) if found else 0


def no_overflow(page: Page) -> None:
    """Nothing wider than the screen (a phone would scroll sideways)."""
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide}px wider than the screen"


def cases_rated(served: Served, city: str, first: date, last: date) -> set[int]:
    """The cases CSAT answers submitted from `first` to `last` (Shanghai's days) were about or
    opened, at the city's hotels: what the drill-down should list."""
    start = datetime.combine(first, time.min, SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time.min, SHANGHAI)
    with served.db() as db:
        hotels = set(db.scalars(select(Branch.name).where(Branch.city == city)))
        scored = {
            s.id: q["id"]
            for s in db.scalars(select(Survey))
            for q in definition.questions(s.definition)
            if q["type"] == "csat"
        }
        answers = db.scalars(
            select(Response).where(
                Response.survey_id.in_(scored),
                Response.completed.is_(True),
                Response.resurvey_of_id.is_(None),
                Response.submitted_at >= start,
                Response.submitted_at < end,
            )
        ).all()
        ids = {
            i
            for r in answers
            if r.answers.get(scored[r.survey_id]) is not None and not quality.excluded(r.quality_flags)
            for i in (r.feedback_id, r.follow_up_id)
            if i is not None
        }
        return set(db.scalars(select(Feedback.id).where(Feedback.id.in_(ids), Feedback.branch.in_(hotels))))


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_s6_the_executives_monday(served: Served, contexts: Contexts, locale: str) -> None:
    words = WORDS[locale]

    # 1. The weekly scorecard, by email, as a PDF: each indicator with its interval and
    # whether its change is significant.
    mail = served.mail_to(READERS[locale], words["attached"], timeout=180)
    pdfs = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and (pdfs[0].get_filename() or "").endswith(".pdf")
    lines = pdf_rows(pdfs[0].get_content())
    assert words["title"] in lines[0] and all(h in lines for h in words["header"]), lines[:12]
    for label in words["indicators"]:
        value, interval, n, _last, p, change = lines[lines.index(label) + 1 : lines.index(label) + 7]
        assert re.fullmatch(r"[+-]?\d+\.\d+%?", value), (label, value)
        assert re.fullmatch(r"[+-]?\d+\.\d+%? – [+-]?\d+\.\d+%?", interval), (label, interval)
        assert int(n) >= 2 and re.fullmatch(r"<0\.001|\d\.\d{3}", p), (label, n, p)
        expected = words["changes"][0] if p == "<0.001" or float(p) < 0.05 else words["changes"][1]
        assert change == expected, (label, p, change)

    # 2. The dashboard, filtered by city: the city's hotels together.
    desk = sign_in(contexts(locale), served.url, "gm@cloudhill.example", locale)
    desk.goto(f"{served.url}/reports/scorecard")
    everywhere = card_n(desk, "complaint_rate")
    form = desk.locator("form.filters")
    expect(form.locator("label", has_text=words["city"]).locator("select")).to_be_visible()
    form.locator("select[name=city]").select_option(CITY)
    form.locator("button[type=submit]").click()
    expect(desk).to_have_url(re.compile(rf"city={CITY}"))
    expect(desk.locator("select[name=city]")).to_have_value(CITY)
    in_city = card_n(desk, "complaint_rate")
    with served.db() as db:
        hotels = list(db.scalars(select(Branch.name).where(Branch.city == CITY)))
    by_hotel = 0
    for hotel in hotels:
        desk.goto(f"{served.url}/reports/scorecard?branch={hotel}")
        by_hotel += card_n(desk, "complaint_rate")
    assert 0 < in_city == by_hotel < everywhere
    desk.goto(f"{served.url}/reports/scorecard?city={CITY}")
    assert "None" not in desk.locator("main").inner_text()
    shot(desk, f"s6-{locale}-scorecard-city")

    # From the CSAT card to its months in that city, and from the lowest month to the
    # feedback behind it.
    desk.locator("article.card-csat header a").click()
    expect(desk).to_have_url(re.compile(rf"metric=csat.*city={CITY}"))
    expect(desk.locator("select[name=city]")).to_have_value(CITY)
    expect(desk.locator("#trend-chart")).to_have_attribute("data-rendered", "yes")
    months = []
    for row in desk.locator("table.trend-rows tbody tr:not(.gap)").all():
        cells = row.locator("td")
        if cells.nth(1).inner_text() != "—" and int(cells.nth(3).inner_text()) >= 5:
            months.append((float(cells.nth(1).inner_text()), cells.nth(0).inner_text()))
    assert len(months) >= 6, months
    low, dip = min(months)
    assert low < max(v for v, _ in months)
    shot(desk, f"s6-{locale}-trend-csat")
    desk.locator("table.trend-rows a", has_text=dip).click()
    first = date.fromisoformat(dip)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    expect(desk).to_have_url(re.compile(r"/inbox\?.*rated=csat"))
    marks = desk.locator("form.filters mark.filter")
    expect(marks.filter(has_text=words["city"])).to_have_text(f"{words['city']}: {CITY}")
    expect(desk.locator("mark.rated")).to_have_text(
        words["rated"].format(start=first.isoformat(), end=last.isoformat())
    )
    listed = {
        int(href.rsplit("/", 1)[1])
        for href in desk.locator("table.inbox a[href^='/feedback/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    }
    assert listed and listed == cases_rated(served, CITY, first, last)
    shot(desk, f"s6-{locale}-drill")

    # On her phone: the same pages fit the screen.
    phone = sign_in(contexts(locale, phone=True), served.url, "gm@cloudhill.example", locale)
    for name, path in (
        ("scorecard", f"/reports/scorecard?city={CITY}"),
        ("trend", f"/reports/trends?metric=csat&period=month&city={CITY}"),
        ("drill", f"/inbox?city={CITY}&rated=csat&rated_from={first}&rated_to={last}"),
    ):
        phone.goto(f"{served.url}{path}")
        expect(phone.locator("h1")).to_be_visible()
        shot(phone, f"s6-{locale}-phone-{name}")
        no_overflow(phone)
