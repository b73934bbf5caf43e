"""The metric registry: every indicator it declares is computed from the analytics store on a
small real dataset, is named in both languages, has a target range and, where it declares one,
a drill-down that opens the inbox at the records behind it; and the pages, targets,
initiatives and reports list exactly its metrics."""

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.analytics.test_store import analytics, sync  # noqa: F401  (the fixture)
from tests.factories import make_account
from tests.surveys.test_api import answer, make
from tests.surveys.test_follow_up import cases
from tests.web.test_pages import login
from voxloop.analytics import indicators, metrics
from voxloop.commitments.models import CaseClock
from voxloop.common import i18n
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.initiatives import service as initiatives
from voxloop.jobs.executor import drain
from voxloop.reports import content
from voxloop.surveys import invitations
from voxloop.surveys.models import Invitation, Response, Survey

ANSWERED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai
WINDOW = {"start": datetime(2026, 11, 1, tzinfo=UTC), "end": datetime(2026, 12, 1, tzinfo=UTC)}
MONTH = "date_from=2026-11-01&date_to=2026-11-30"


def han(text: str) -> bool:
    return any(unicodedata.name(c, "").startswith("CJK UNIFIED") for c in text)


@pytest.fixture
def dataset(client, analytics, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]  # noqa: F811
    """Two complaints and a thank-you; an unhappy and a happy answer to an NPS, a CSAT and a
    CES survey, each unhappy one (with an e-mail) followed up, first answered within its
    commitment an hour later; the NPS detractor re-surveyed and won back."""
    clock.now = ANSWERED
    admin = make_account(role="admin")
    items = [{"description": "空调坏了，很不满意，投诉"}, {"description": "房间很脏，投诉"}]
    items.append({"description": "谢谢，非常满意"})
    r = client.post("/api/v1/feedback/batch", json={"items": items}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["failed"] == 0, r.text
    surveys = {t: make(client, admin, template=t) for t in ("nps", "csat_post_case", "ces")}
    unhappy = {"nps": {"nps": 2}, "csat_post_case": {"csat": 1, "resolved": "no"}, "ces": {"ces": 1}}
    happy = {"nps": {"nps": 10}, "csat_post_case": {"csat": 5, "resolved": "yes"}, "ces": {"ces": 7}}
    for i, template in enumerate(surveys):
        contact = {"email": f"g{i}@example.com"}
        got = answer(client, surveys[template]["key"], unhappy[template], device=f"u{i}", contact=contact)
        assert got.status_code == 201, got.text
        got = answer(client, surveys[template]["key"], happy[template], device=f"h{i}")
        assert got.status_code == 201, got.text
    drain()
    followed = cases()
    assert len(followed) == 3
    with session_scope() as db:
        db.execute(update(Response).values(submitted_at=ANSWERED))
        for case in followed:
            db.execute(
                update(Feedback)
                .where(Feedback.id == case.id)
                .values(first_response_at=ANSWERED + timedelta(hours=1))
            )
            case_clock = db.get(CaseClock, case.id)
            assert case_clock is not None
            case_clock.response_state = "met"
        post_case = db.get(Survey, surveys["csat_post_case"]["id"])
        assert post_case is not None
        recipient = invitations.Recipient(
            email="g0@example.com", customer_id=followed[0].customer_id, feedback_id=followed[0].id
        )
        invitations.invite(db=db, survey=post_case, recipients=[recipient], capped=False)
        db.commit()
        token = db.scalar(select(Invitation.token).where(Invitation.feedback_id == followed[0].id))
    again = {"csat": 5, "resolved": "yes"}
    got = answer(client, surveys["csat_post_case"]["key"], again, device="r0", token=token)
    assert got.status_code == 201, got.text
    drain()
    sync()
    return {"admin": admin, "surveys": surveys, "cases": [c.id for c in followed]}


def inbox_ids(client, query: str) -> set[int]:  # type: ignore[no-untyped-def]
    page = client.get(f"/inbox?{query}", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    return {int(i) for i in re.findall(r'<td><a href="/feedback/(\d+)">', page.text)}


def test_every_metric_is_computed_named_ranged_and_drills_to_its_records(client, dataset):
    admin, followed = dataset["admin"], dataset["cases"]
    with session_scope(readonly=True) as db:
        records = {f.id: f for f in db.scalars(select(Feedback))}
    # the records behind a point of each metric with a drill-down, found by hand: the answers
    # behind a score are the follow-up cases they opened (the re-survey is no answer of the
    # organization's CSAT: it would count the detractor twice); the deadlines kept are those
    # of the records received in the period
    behind = {
        "nps": {followed[0]},
        "csat": {followed[1]},
        "ces": {followed[2]},
        "complaint_rate": {i for i, f in records.items() if f.type == "complaint"},
        "negative_share": {i for i, f in records.items() if f.sentiment == "negative"},
        "compliance": set(records),
    }
    assert len(behind["complaint_rate"]) >= 2 and len(behind["negative_share"]) < len(records)
    login(client, admin.email)
    for m in metrics.REGISTRY:
        row = indicators.totals(org_id=admin.org_id, metric=m.name, **WINDOW)
        assert row["n"] >= 1 and row["value"] is not None, m.name
        low, high = m.range
        assert low < high and low <= row["value"] <= high, m.name
        assert m.fmt(row["value"]) and m.interval, m.name
        assert m.label and i18n.gettext(m.label, "en") == m.label, m.name
        chinese = i18n.gettext(m.label, "zh_CN")
        assert chinese != m.label and han(chinese), m.name
        trend = client.get(f"/reports/trends?metric={m.name}&period=month&{MONTH}")
        assert trend.status_code == 200, m.name
        if m.drill is None:  # the follow-up loop: its records are a survey's responses
            assert m.source == "follow_ups", m.name
            survey = dataset["surveys"]["nps"]["id"]
            html = client.get(f"/reports/trends?metric={m.name}&period=month&survey_id={survey}&{MONTH}").text
            assert f"/surveys/{survey}/responses?date_from=2026-11-01" in html, m.name
            continue
        first, last = m.drill.dates
        link = "&".join(f"{k}={v}" for k, v in m.drill.query.items())
        link = f"{link}&{first}=2026-11-01&{last}=2026-11-30".lstrip("&")
        assert f'href="/inbox?{link}"' in trend.text.replace("&amp;", "&"), m.name
        assert inbox_ids(client, link) == behind[m.name], m.name
        if m.source == "feedback":  # the events the metric counts are the records listed
            assert row["summary"][1] == len(behind[m.name]), m.name


def test_pages_targets_initiatives_and_reports_list_exactly_the_registrys_metrics(client, dataset, clock):
    admin = dataset["admin"]
    names = [m.name for m in metrics.REGISTRY]
    on_scorecard = [m.name for m in metrics.REGISTRY if m.scorecard]
    login(client, admin.email)
    for language, locale in (("en", "en"), ("zh-CN", "zh_CN")):
        html = client.get("/reports/trends?metric=nps", headers={"Accept-Language": language}).text
        select_ = html.split('<select name="metric">')[1].split("</select>")[0]
        options = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', select_)
        assert options == [(m.name, i18n.gettext(m.label, locale)) for m in metrics.REGISTRY]
        scorecard = client.get("/reports/scorecard", headers={"Accept-Language": language}).text
        assert re.findall(r'class="card card-([a-z_]+)"', scorecard) == on_scorecard
        report = content.scorecard(org_id=admin.org_id, now=ANSWERED, locale=locale)
        assert [row[0] for row in report["table"][1:]] == [
            i18n.gettext(m.label, locale) for m in metrics.REGISTRY if m.scorecard
        ]

    # targets: every metric at both ends of its range, none past them, nothing else
    for end in (0, 1):
        goals = {m.name: m.range[end] for m in metrics.REGISTRY}
        r = client.put("/api/v1/analytics/targets", json=goals, headers=admin.headers)
        assert r.status_code == 200, r.text
    for m in metrics.REGISTRY:
        r = client.put("/api/v1/analytics/targets", json={m.name: m.range[1] + 1}, headers=admin.headers)
        assert r.status_code == 422 and m.name in r.text, m.name
    r = client.put("/api/v1/analytics/targets", json={"mood": 1}, headers=admin.headers)
    assert r.status_code == 422 and all(name in r.text for name in names)

    # initiatives: every indicator can be a goal, with its baseline from the store, and the
    # page writes rates as percentages
    assert list(initiatives.METRICS) == [*names, initiatives.MENTIONS]
    rates = [m.name for m in metrics.REGISTRY if m.kind == "rate"]
    assert list(initiatives.RATES) == [*rates, initiatives.MENTIONS]
    clock.now = ANSWERED + timedelta(days=2)
    for m in metrics.REGISTRY:
        r = client.post(
            "/api/v1/initiatives",
            json={"title": m.name, "origin_kind": "manual", "metric": m.name, "target_value": m.range[0],
                  "deadline": "2027-03-31"},
            headers=admin.headers,
        )  # fmt: skip
        assert r.status_code == 201, r.text
        assert r.json()["baseline_n"] >= 1, m.name
        page = client.get(f"/improvement/{r.json()['id']}", headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 200 and i18n.gettext(m.label, "zh_CN") in page.text, m.name
        before = re.search(r'class="before">[^:<]+: ([^ <]+)', page.text)
        assert before is not None and before[1].endswith("%") == (m.kind == "rate"), m.name
