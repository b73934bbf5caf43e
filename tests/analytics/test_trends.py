"""Trends against targets, control charts, and the dashboards' filters by department and the
customer's segment."""

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from tests.factories import make_account
from tests.web.test_pages import login
from voxloop.analytics import indicators, stats, store
from voxloop.db import session_scope
from voxloop.jobs.executor import drain


@pytest.fixture
def analytics(settings_env, tmp_path):  # type: ignore[no-untyped-def]
    settings_env(ANALYTICS_PATH=str(tmp_path / "analytics.duckdb"))


def sync() -> dict[str, int]:
    with session_scope(readonly=True) as db:
        return store.sync(db)


@pytest.mark.parametrize(("events", "n"), [(0, 12), (3, 40), (37, 120), (999, 1000), (5, 5)])
def test_the_written_out_rate_interval_and_test_match_statsmodels(events, n):
    row = indicators._rate(events, n)
    low, high = proportion_confint(events, n, method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    before = (n + 7, 11, 0)
    _, p = proportions_ztest([events, 11], [n, n + 7])
    assert indicators._p_change("complaint_rate", before, (n, events, 0)) == pytest.approx(p, rel=1e-9)


def test_tests_against_a_target_match_scipy():
    scores = np.array([5, 4, 4, 3, 5, 5, 4, 2, 4, 5, 3, 4])
    summary = (len(scores), scores.mean(), scores.var(ddof=1))
    expected = sps.ttest_1samp(scores, 4.5).pvalue
    assert indicators._p_target("csat", summary, 4.5) == pytest.approx(expected, rel=1e-9)
    assert indicators._p_target("complaint_rate", (80, 30, 0), 0.2) == pytest.approx(
        sps.binomtest(30, 80, 0.2).pvalue
    )
    # NPS 20 points from 50 answers (20 promoters, 10 detractors) against a target of 40, with
    # the pseudo-observations of Rocks' interval (0.75 promoter, 1.5 passive, 0.75 detractor)
    pp, dd = 20.75 / 53, 10.75 / 53
    z = (pp - dd - 0.40) / math.sqrt((pp + dd - (pp - dd) ** 2) / 53)
    assert indicators._p_target("nps", (50, 20, 10), 40) == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert indicators._p_target("complaint_rate", (80, 30, 0), 15) is None  # a rate's target is a share


def test_an_xbar_chart_with_unequal_subgroups_flags_a_shifted_week():
    rng = np.random.default_rng(7)
    groups = [rng.normal(4.0, 0.8, size) for size in (30, 45, 25, 40, 35, 50, 30, 40)]
    groups[5] = groups[5] - 1.0  # one week much worse
    chart = stats.xbar_chart(
        [g.mean() for g in groups], [len(g) for g in groups], [g.var(ddof=1) for g in groups]
    )
    pooled = math.sqrt(sum((len(g) - 1) * g.var(ddof=1) for g in groups) / sum(len(g) - 1 for g in groups))
    everything = np.concatenate(groups)
    assert chart["centre"] == pytest.approx(everything.mean(), abs=1e-6)
    assert chart["sigma"] == pytest.approx(pooled, abs=1e-6)
    # Montgomery 6.3.2: A3(n) = 3 / (c4(n) sqrt(n)), c4(n) = sqrt(2 / (n - 1)) G(n / 2) / G((n - 1) / 2)
    c4 = math.sqrt(2 / 29) * math.gamma(15) / math.gamma(14.5)
    assert chart["upper"][0] == pytest.approx(everything.mean() + 3 * pooled / (c4 * math.sqrt(30)), abs=1e-5)
    assert chart["beyond_limits"] == [5]
    steady = stats.xbar_chart([4.1, 3.9, 4.0, 4.05], [30, 30, 30, 30], [0.6, 0.7, 0.65, 0.6])
    assert steady["beyond_limits"] == [] and steady["runs"] == []


def test_control_limits_stay_within_the_answer_scale():
    # three answers a week, mostly fives: the 3-sigma limits alone would reach past 5
    weeks = [(4.67, 0.58), (5.0, 0.0), (4.33, 1.15), (4.0, 1.0)]
    rows = [{"period": f"2026-W{i}", "n": 3, "value": v, "sd": sd} for i, (v, sd) in enumerate(weeks)]
    unclamped = stats.xbar_chart([v for v, _ in weeks], [3] * 4, [sd**2 for _, sd in weeks])
    assert max(unclamped["upper"]) > 5
    chart = indicators.control_chart("csat", rows)
    assert chart is not None and chart["upper"] == [5.0] * 4 and min(chart["lower"]) > 1
    # one answer a week (an individuals chart), CSAT and CES: both limits at the scale's ends
    ones = [{"period": f"p{i}", "n": 1, "value": v, "sd": None} for i, v in enumerate([5, 1, 5, 2, 5])]
    chart = indicators.control_chart("csat", ones)
    assert chart is not None and chart["upper"] == [5.0] * 5 and chart["lower"] == [1.0] * 5
    ces = [{**r, "value": r["value"] + 2} for r in ones]
    chart = indicators.control_chart("ces", ces)
    assert chart is not None and chart["upper"] == [7.0] * 5 and chart["lower"] == [1.0] * 5


def test_targets_are_set_checked_and_tested_against(client, analytics, clock):
    admin = make_account(role="admin")
    analyst = make_account(role="analyst", org_slug=admin.org_slug)
    bad = client.put("/api/v1/analytics/targets", json={"nps": 140}, headers=admin.headers)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "nps"
    bad = client.put("/api/v1/analytics/targets", json={"happiness": 1}, headers=admin.headers)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "happiness"
    assert (
        client.put("/api/v1/analytics/targets", json={"nps": 30}, headers=analyst.headers).status_code == 403
    )
    r = client.put(
        "/api/v1/analytics/targets", json={"nps": 30, "complaint_rate": 0.2}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json() == {"nps": 30.0, "complaint_rate": 0.2}
    assert client.get("/api/v1/analytics/targets", headers=analyst.headers).json()["nps"] == 30.0

    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=admin.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=admin.headers).json()["key"]
    clock.now = datetime(2026, 10, 12, 12, tzinfo=UTC)
    for n, score in enumerate([10] * 30 + [7] * 10 + [2] * 10):
        client.post(
            f"/api/v1/public/surveys/{key}/responses",
            json={"language": "zh", "answers": {"nps": score}},
            headers={"User-Agent": f"t-{n}"},
        )
    sync()
    clock.now = datetime(2026, 10, 30, tzinfo=UTC)
    rows = client.get(
        "/api/v1/analytics/indicators?metric=nps&from=2026-10-01T00:00:00Z", headers=analyst.headers
    ).json()
    row = rows["rows"][0]
    assert rows["target"] == 30.0 and row["value"] == 40.0
    assert row["p_target"] == pytest.approx(indicators._p_target("nps", (50, 30, 10), 30))
    benchmark = client.get(
        "/api/v1/analytics/indicators?metric=nps&from=2026-10-01T00:00:00Z&target=0", headers=analyst.headers
    ).json()["rows"][0]
    assert benchmark["target"] == 0 and benchmark["p_target"] < 0.001


def test_filters_by_department_and_customer_segment_and_grouping_by_segment(client, analytics):
    admin = make_account(role="admin")
    department = client.post("/api/v1/departments", json={"name": "客房部"}, headers=admin.headers).json()
    records = []
    for n, (text, email) in enumerate(
        [
            ("空调坏了，很不满意", "vip1@example.com"),
            ("房间很脏，投诉", "vip2@example.com"),
            ("早餐很好吃，谢谢", "member@example.com"),
            ("服务太差了，投诉", "member@example.com"),
            ("谢谢前台", None),
        ]
    ):
        body = {"description": text, "channel": "hotline"}
        if email:
            body["customer"] = {"name": f"客人{n}", "email": email}
        records.append(client.post("/api/v1/feedback", json=body, headers=admin.headers).json())
    drain()
    for record in records[:2]:
        r = client.post(
            f"/api/v1/feedback/{record['id']}/assignment",
            json={"department_id": department["id"]},
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text
    for record in records[:3]:
        customer_id = client.get(f"/api/v1/feedback/{record['id']}", headers=admin.headers).json()[
            "customer"
        ]["id"]
        segment = "vip" if record in records[:2] else "member"
        r = client.patch(f"/api/v1/customers/{customer_id}", json={"segment": segment}, headers=admin.headers)
        assert r.status_code == 200, r.text
    assert sync()["customers"] >= 2
    query = "/api/v1/analytics/indicators?metric=complaint_rate&period=month"
    by_department = client.get(f"{query}&department_id={department['id']}", headers=admin.headers).json()
    assert [(r["n"], r["value"]) for r in by_department["rows"]] == [(2, 1.0)]
    vip = client.get(f"{query}&segment=vip", headers=admin.headers).json()["rows"]
    assert [r["n"] for r in vip] == [2]
    grouped = client.get(f"{query}&group_by=segment", headers=admin.headers).json()["rows"]
    assert {r["group"]: r["n"] for r in grouped} == {None: 1, "member": 2, "vip": 2}
    # a segment changed in the directory reaches the store on the next sync
    member_id = client.get(f"/api/v1/feedback/{records[2]['id']}", headers=admin.headers).json()["customer"][
        "id"
    ]
    client.patch(f"/api/v1/customers/{member_id}", json={"segment": "vip"}, headers=admin.headers)
    sync()
    assert [r["n"] for r in client.get(f"{query}&segment=vip", headers=admin.headers).json()["rows"]] == [4]
    wrong = client.get(f"{query}&segment=vip&survey_id=3", headers=admin.headers)
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"][0]["field"] == "survey_id"


def test_the_trends_page_shows_intervals_targets_and_the_control_chart(client, analytics):
    admin = make_account(role="admin")
    client.put("/api/v1/analytics/targets", json={"complaint_rate": 0.1}, headers=admin.headers)
    items = [{"description": "空调坏了，很不满意，投诉"}] * 6 + [{"description": "谢谢，非常满意"}] * 4
    client.post("/api/v1/feedback/batch", json={"items": items}, headers=admin.headers)
    drain()
    sync()
    login(client, admin.email)
    page = client.get("/reports/trends?metric=complaint_rate&period=month")
    assert page.status_code == 200
    html = page.text
    assert "60.0%" in html and "10.0%" in html  # the month's rate and the target
    assert 'id="control-chart"' not in html  # one period: no chart yet
    assert "type=complaint" in html  # the period drills down to the complaints
    assert "<script>" not in html
    bad = client.get("/reports/trends?metric=mood")
    assert bad.status_code == 422 and "metric" in bad.text
    assert client.get("/reports/trends?metric=nps&period=week&target=abc").status_code == 422
    assert client.get("/reports/scorecard?department_id=x").status_code == 422
    scorecard = client.get("/reports/scorecard")
    assert scorecard.status_code == 200 and "/reports/trends?metric=nps" in scorecard.text


def test_a_score_trend_opens_the_surveys_responses_of_the_period(client, analytics, clock):
    admin = make_account(role="admin")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=admin.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=admin.headers).json()["key"]
    for month, score in ((9, 3), (10, 10)):
        clock.now = datetime(2026, month, 15, 4, tzinfo=UTC)
        r = client.post(
            f"/api/v1/public/surveys/{key}/responses",
            json={"language": "zh", "answers": {"nps": score, "why": f"第{month}月"}},
            headers={"User-Agent": f"m{month}"},
        )
        assert r.status_code == 201, r.text
    sync()
    clock.now = datetime(2026, 10, 30, tzinfo=UTC)
    login(client, admin.email)
    html = client.get(
        f"/reports/trends?metric=nps&period=month&survey_id={survey['id']}&date_from=2026-09-01"
    ).text
    link = f"/surveys/{survey['id']}/responses?date_from=2026-10-01&date_to=2026-10-31"
    assert link in html
    october = client.get(link).text
    assert "第10月" in october and "第9月" not in october
    bad = client.get(f"/surveys/{survey['id']}/responses?date_from=October")
    assert bad.status_code == 422 and "date_from" in bad.text


def test_a_city_is_its_branches_together_on_the_dashboards_and_in_the_inbox(client, analytics):
    admin = make_account(role="admin")
    for name, city in (("西湖店", "Hangzhou"), ("滨江店", "Hangzhou"), ("外滩店", "Shanghai")):
        r = client.post("/api/v1/branches", json={"name": name, "city": city}, headers=admin.headers)
        assert r.status_code == 201, r.text
    items = [
        {"description": "空调坏了，很不满意，投诉", "branch": "西湖店"},
        {"description": "房间很脏，投诉", "branch": "西湖店"},
        {"description": "谢谢，非常满意", "branch": "滨江店"},
        {"description": "服务太差了，投诉", "branch": "外滩店"},
    ]
    r = client.post("/api/v1/feedback/batch", json={"items": items}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["failed"] == 0, r.text
    drain()
    assert sync()["branches"] == 3
    query = "/api/v1/analytics/indicators?metric=complaint_rate&period=month"
    hangzhou = client.get(f"{query}&city=Hangzhou", headers=admin.headers).json()["rows"]
    assert [(r["n"], r["value"]) for r in hangzhou] == [(3, pytest.approx(2 / 3))]
    grouped = client.get(f"{query}&group_by=city", headers=admin.headers).json()["rows"]
    assert {r["group"]: r["n"] for r in grouped} == {"Hangzhou": 3, "Shanghai": 1}
    # the list is the truth: a branch's city corrected reaches the store on the next sync
    bund = next(
        b for b in client.get("/api/v1/branches", headers=admin.headers).json() if b["name"] == "外滩店"
    )
    client.patch(f"/api/v1/branches/{bund['id']}", json={"city": "Hangzhou"}, headers=admin.headers)
    sync()
    assert [r["n"] for r in client.get(f"{query}&city=Hangzhou", headers=admin.headers).json()["rows"]] == [4]

    login(client, admin.email)
    scorecard = client.get("/reports/scorecard?city=Hangzhou", headers={"Accept-Language": "en"}).text
    assert '<select name="city">' in scorecard and "<option selected>Hangzhou</option>" in scorecard
    assert "city=Hangzhou" in scorecard  # each card's trend keeps the filter
    inbox = client.get("/inbox?city=Hangzhou&type=complaint", headers={"Accept-Language": "en"}).text
    assert "City: Hangzhou" in inbox
    assert all(text in inbox for text in ("空调坏了", "房间很脏", "服务太差了"))  # 外滩店 is Hangzhou now
    assert "谢谢，非常满意" not in inbox  # praise, left out by the type filter
    shanghai = client.get("/inbox?city=Shanghai", headers={"Accept-Language": "en"}).text
    assert not any(text in shanghai for text in ("空调坏了", "房间很脏", "服务太差了"))
    assert client.get("/inbox?rated=mood").status_code == 422


def test_periods_are_the_organizations_days_and_a_period_drills_to_the_same_records(client, analytics, clock):
    # Cloudhill is in Shanghai (UTC+8): 20:00 UTC on 31 October is 04:00 on 1 November there
    admin = make_account(role="admin")
    items = [
        {"description": "空调坏了，很不满意，十月", "received_at": "2026-10-31T12:00:00Z"},
        {"description": "空调坏了，很不满意，十一月", "received_at": "2026-10-31T20:00:00Z"},
    ]
    assert (
        client.post("/api/v1/feedback/batch", json={"items": items}, headers=admin.headers).status_code == 200
    )
    drain()
    sync()
    clock.now = datetime(2026, 11, 20, tzinfo=UTC)
    rows = client.get(
        "/api/v1/analytics/indicators?metric=complaint_rate&period=month&from=2026-10-01T00:00:00Z",
        headers=admin.headers,
    ).json()["rows"]
    assert [(r["period"], r["n"]) for r in rows] == [("2026-10-01", 1), ("2026-11-01", 1)]
    login(client, admin.email)
    html = client.get("/reports/trends?metric=complaint_rate&period=month&date_from=2026-10-01").text
    link = "/inbox?type=complaint&date_from=2026-11-01&date_to=2026-11-30"
    assert f'href="{link}"' in html
    november = client.get(link).text
    assert "十一月" in november and "十月" not in november
    weeks = client.get(
        "/api/v1/analytics/indicators?metric=complaint_rate&period=week&from=2026-10-26T00:00:00Z",
        headers=admin.headers,
    ).json()["rows"]
    assert [(r["period"], r["n"]) for r in weeks] == [("2026-10-26", 2)]  # Saturday and Sunday there
