"""Closing the loop in the analytics store: follow-up rate, contact time, closed-loop rate and
recovery rate, overall and per department, each with n and its 95 % interval, against a hand
count; and on the scorecard page."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from statsmodels.stats.proportion import proportion_confint

from tests.analytics.test_store import analytics, sync  # noqa: F401  (the fixture)
from tests.factories import make_account
from tests.surveys.test_api import answer, make
from tests.surveys.test_follow_up import cases
from tests.web.test_pages import login, new_client
from voxloop.accounts import service as accounts
from voxloop.analytics import indicators, store
from voxloop.audit.service import SYSTEM
from voxloop.commitments.models import CaseClock
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.jobs.executor import drain
from voxloop.surveys import invitations
from voxloop.surveys.models import Invitation, Response, Survey

ANSWERED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai
# First replies, in Shanghai time, and the working hours since 10:00 on the office calendar
# (09:00-12:00, 13:00-18:00 on working days)
REPLIES = [
    (datetime(2026, 11, 10, 3, 0, tzinfo=UTC), 1.0),  # 11:00
    (datetime(2026, 11, 10, 4, 0, tzinfo=UTC), 2.0),  # 12:00
    (datetime(2026, 11, 10, 7, 0, tzinfo=UTC), 4.0),  # 15:00
    (datetime(2026, 11, 10, 9, 0, tzinfo=UTC), 6.0),  # 17:00
    (datetime(2026, 11, 11, 2, 0, tzinfo=UTC), 8.0),  # 10:00 the next day: 2 + 5 + 1
    (datetime(2026, 11, 10, 5, 30, tzinfo=UTC), 2.5),  # 13:30, after lunch
]
STATES = ["met", "met", "met", "late", "breached", "pending"]
WINDOW = {"start": datetime(2026, 11, 1, tzinfo=UTC), "end": datetime(2026, 12, 1, tzinfo=UTC)}


def wilson(k: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(k, n, method="wilson")
    return round(low, 6), round(high, 6)


def check(row: dict, k: int, n: int) -> None:  # type: ignore[type-arg]
    assert (row["n"], round(row["value"], 6)) == (n, round(k / n, 6))
    assert (round(row["ci_low"], 6), round(row["ci_high"], 6)) == wilson(k, n)


def test_the_loop_indicators_match_a_hand_count_overall_and_per_department(client, analytics):  # noqa: F811
    """Nine NPS answers: seven detractors, six of whom left an email (six cases, three in each
    department), one passive, one promoter. Replies after 1, 2, 4 (housekeeping) and 6, 8, 2.5
    (front office) working hours; three kept the first-reply commitment, one late, one missed,
    one still running; re-surveyed: two in housekeeping (one won back), one in front office
    (won back)."""
    manager = make_account(role="manager")
    with session_scope() as db:
        a = accounts.create_department(
            db=db, org_id=manager.org_id, actor=SYSTEM, name="客房部", name_en="Housekeeping"
        )
        b = accounts.create_department(
            db=db, org_id=manager.org_id, actor=SYSTEM, name="前厅部", name_en="Front office"
        )
        db.commit()
        departments = [a.id] * 3 + [b.id] * 3
    nps = make(client, manager, template="nps")
    post_case = make(client, manager, template="csat_post_case")
    for i in range(6):
        r = answer(
            client,
            nps["key"],
            {"nps": i},
            device=f"g{i}",
            language="zh",
            contact={"email": f"g{i}@example.com"},
        )
        assert r.status_code == 201, r.text
    for i, score in enumerate((1, 8, 10)):
        answer(client, nps["key"], {"nps": score}, device=f"x{i}", language="zh")
    drain()
    followed = cases()
    assert len(followed) == 6
    with session_scope() as db:
        db.execute(update(Response).values(submitted_at=ANSWERED))
        for case, (reply, _), department, state in zip(followed, REPLIES, departments, STATES, strict=True):
            db.execute(
                update(Feedback)
                .where(Feedback.id == case.id)
                .values(first_response_at=reply, department_id=department)
            )
            clock = db.get(CaseClock, case.id)
            assert clock is not None
            clock.response_state = state
        survey = db.get(Survey, post_case["id"])
        for i in (0, 1, 3):
            recipient = invitations.Recipient(
                email=f"g{i}@example.com", customer_id=followed[i].customer_id, feedback_id=followed[i].id
            )
            invitations.invite(db=db, survey=survey, recipients=[recipient], capped=False)
        db.commit()
        tokens = dict(db.execute(select(Invitation.feedback_id, Invitation.token)).all())
    for i, again in (
        (0, {"csat": 5, "resolved": "yes"}),
        (1, {"csat": 2, "resolved": "no"}),
        (3, {"csat": 4, "resolved": "yes"}),
    ):
        r = answer(
            client, post_case["key"], again, device=f"r{i}", language="zh", token=tokens[followed[i].id]
        )
        assert r.status_code == 201, r.text
    drain()
    assert len(cases()) == 6  # the re-survey's unhappy answer opened none
    sync()

    def total(metric: str) -> dict:  # type: ignore[type-arg]
        return indicators.totals(org_id=manager.org_id, metric=metric, **WINDOW)

    def per_department(metric: str) -> dict:  # type: ignore[type-arg]
        return indicators.by_group(org_id=manager.org_id, metric=metric, group_by="department_id", **WINDOW)

    check(total("follow_up_rate"), 6, 7)  # the detractor without contact details went unfollowed
    check(total("closed_loop_rate"), 3, 5)  # the running deadline is not measured yet
    check(total("recovery_rate"), 2, 3)
    # the survey's own summary counts as the store does
    rates = client.get(f"/api/v1/surveys/{nps['id']}/summary", headers=manager.headers).json()["follow_up"]
    names = ("follow_up_rate", "closed_loop_rate", "recovery_rate")
    got = [(rates[k]["n"], round(rates[k]["value"], 4)) for k in names]
    assert got == [(7, round(6 / 7, 4)), (5, 0.6), (3, round(2 / 3, 4))]
    contact = total("contact_time")
    # six hours: 1, 2, 2.5, 4, 6, 8; the median between the 3rd and 4th, and with six values
    # the 95 % interval runs from the smallest to the largest (1 - 2 / 2**6 = 96.9 % coverage)
    assert (contact["n"], contact["value"], contact["ci_low"], contact["ci_high"]) == (6, 3.25, 1.0, 8.0)

    check(per_department("follow_up_rate")[a.id], 3, 3)
    check(per_department("follow_up_rate")[None], 0, 1)
    check(per_department("closed_loop_rate")[a.id], 3, 3)
    check(per_department("closed_loop_rate")[b.id], 0, 2)
    check(per_department("recovery_rate")[a.id], 1, 2)
    check(per_department("recovery_rate")[b.id], 1, 1)
    by_hours = per_department("contact_time")
    assert (by_hours[a.id]["value"], by_hours[a.id]["n"], by_hours[a.id]["ci_low"]) == (2.0, 3, None)
    assert (by_hours[b.id]["value"], by_hours[b.id]["n"]) == (6.0, 3)
    # filtered to a department, as the scorecard's filter does
    check(
        indicators.totals(
            org_id=manager.org_id, metric="closed_loop_rate", filters={"department_id": b.id}, **WINDOW
        ),
        0,
        2,
    )

    staff = new_client(client)
    login(staff, manager.email)
    page = staff.get("/reports/scorecard", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    table = page.text.split('class="loop-by-department"')[1].split("</article>")[0]
    assert "回访率" in table and "闭环率" in table and "挽回率" in table
    housekeeping, front_office = table.split("<td>客房部</td>")[1], table.split("<td>前厅部</td>")[1]
    assert "<strong>2.0 h</strong>" in housekeeping.split("</tr>")[0]
    assert "<strong>50.0%</strong>" in housekeeping.split("</tr>")[0]
    assert "<strong>0.0%</strong>" in front_office.split("</tr>")[0]  # closed loop: 0 of 2
    # a bad department filter is a 422 naming the field
    bad = staff.get("/reports/scorecard?department_id=front")
    assert bad.status_code == 422 and "department_id" in bad.text
    trend = staff.get(
        "/reports/trends?metric=contact_time&period=month&date_from=2026-11-01&date_to=2026-11-30"
    )
    assert trend.status_code == 200 and "3.25" in trend.text


def test_a_card_with_one_answer_this_month_shows_its_n_without_an_interval(client, analytics):  # noqa: F811
    manager = make_account(role="manager")
    survey = make(client, manager, template="csat_post_case")
    assert answer(client, survey["key"], {"csat": 4, "resolved": "yes"}).status_code == 201
    drain()
    sync()
    staff = new_client(client)
    login(staff, manager.email)
    for language in ("en", "zh-CN"):
        page = staff.get("/reports/scorecard", headers={"Accept-Language": language})
        assert page.status_code == 200
        card = page.text.split('class="card card-csat"')[1].split("</article>")[0]
        assert "<strong>4.00</strong>" in card and "n = 1" in card and "–" not in card


def test_a_mean_from_three_answers_keeps_its_interval_inside_the_scale(client, analytics):  # noqa: F811
    manager = make_account(role="manager")
    survey = make(client, manager, template="csat_post_case")
    for i, score in enumerate((5, 5, 2)):  # mean 4, t interval 4 -/+ 4.30: past both ends
        assert (
            answer(client, survey["key"], {"csat": score, "resolved": "yes"}, device=f"d{i}").status_code
            == 201
        )
    drain()
    sync()
    staff = new_client(client)
    login(staff, manager.email)
    page = staff.get("/reports/scorecard", headers={"Accept-Language": "en"})
    card = page.text.split('class="card card-csat"')[1].split("</article>")[0]
    assert "<strong>4.00</strong>" in card and "95% CI 1.00 – 5.00" in card and "n = 3" in card
    # when the store was synced, as the organization's clock reads it (the test clock is UTC+8)
    synced = datetime.fromtimestamp(store.path().stat().st_mtime, ZoneInfo("Asia/Shanghai"))
    assert f"synced {synced:%-m/%-d/%y}, {synced:%-I:%M}" in page.text.replace("\u202f", " ")
