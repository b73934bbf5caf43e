"""Service KPIs: the arithmetic on hand-made cases, then through the API and the page."""

from datetime import UTC, datetime, timedelta

from statsmodels.stats.proportion import proportion_confint

from tests.factories import PASSWORD, make_account
from voxloop.cases.kpis import CaseFacts, summarise

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def case(responded_h=None, resolved_h=None, reopened=False, wrote=False, kept=0, measured=0):  # type: ignore[no-untyped-def]
    return CaseFacts(
        key="x",
        received_at=T0,
        first_response_at=T0 + timedelta(hours=responded_h) if responded_h is not None else None,
        resolved_at=T0 + timedelta(hours=resolved_h) if resolved_h is not None else None,
        reopened=reopened,
        customer_wrote=wrote,
        kept=kept,
        measured=measured,
    )


def test_kpis_from_known_cases():
    cases = [
        case(responded_h=1, resolved_h=4, kept=2, measured=2),
        case(responded_h=3, resolved_h=10, reopened=True, kept=1, measured=2),
        case(responded_h=2, resolved_h=6, wrote=True, kept=0, measured=1),
        case(),  # open, unanswered
    ]
    figures = summarise(cases)
    rates = figures.pop("rates")
    assert figures == {
        "cases": 4,
        "first_response_hours": 2.0,  # median of 1, 3, 2
        "first_response_p90_hours": 2.8,  # 90th percentile of 1, 2, 3 (linear): 2 + 0.8 * (3 - 2)
        "resolution_hours": 6.0,  # median of 4, 10, 6
        "resolution_p90_hours": 9.2,  # of 4, 6, 10: 6 + 0.8 * (10 - 6)
        "resolution_rate": 0.75,
        "first_contact_resolution": 0.3333,  # only the first: no reopen, no second message
        "reopen_rate": 0.3333,
        "commitment_compliance": 0.6,  # 3 of 5 deadlines kept
    }
    # each rate with its count, denominator and Wilson's interval (statsmodels)
    for key, (count, n) in {"resolution_rate": (3, 4), "first_contact_resolution": (1, 3),
                            "reopen_rate": (1, 3), "commitment_compliance": (3, 5)}.items():  # fmt: skip
        low, high = proportion_confint(count, n, method="wilson")
        assert rates[key] == {"count": count, "n": n, "ci_low": round(low, 4), "ci_high": round(high, 4)}
    empty = summarise([])
    assert empty.pop("rates")["reopen_rate"] == {"count": 0, "n": 0, "ci_low": None, "ci_high": None}
    assert empty == {
        "cases": 0,
        "first_response_hours": None,
        "first_response_p90_hours": None,
        "resolution_hours": None,
        "resolution_p90_hours": None,
        "resolution_rate": None,
        "first_contact_resolution": None,
        "reopen_rate": None,
        "commitment_compliance": None,
    }


def test_kpis_per_channel_through_the_api_and_the_page(client, clock):
    manager = make_account(role="manager")
    clock.now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thursday 09:00 in Shanghai
    ids = []
    for channel in ("hotline", "hotline", "email"):
        r = client.post(
            "/api/v1/feedback", json={"description": "房间很吵", "channel": channel}, headers=manager.headers
        )
        ids.append(r.json()["id"])
    clock.advance(hours=2)
    client.post(f"/api/v1/feedback/{ids[0]}/replies", json={"text": "已处理"}, headers=manager.headers)
    for to in ("in_progress", "resolved"):
        client.post(f"/api/v1/feedback/{ids[0]}/transitions", json={"to": to}, headers=manager.headers)
    report = client.get("/api/v1/kpis?by=channel", headers=manager.headers).json()
    rows = {r["key"]: r for r in report["rows"]}
    assert rows["hotline"]["cases"] == 2 and rows["email"]["cases"] == 1
    assert rows["hotline"]["first_response_hours"] == 2.0 and rows["hotline"]["resolution_rate"] == 0.5
    assert report["total"]["cases"] == 3
    assert client.get("/api/v1/kpis?by=colour", headers=manager.headers).status_code == 422
    agent = make_account(role="agent", org_slug=manager.org_slug)
    assert client.get("/api/v1/kpis", headers=agent.headers).status_code == 403

    client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": _csrf(client)})
    page = client.get("/reports/kpis?by=channel", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Hotline call" in page.text
    # the rate with its denominator and Wilson's interval: 1 of 2 resolved is 9-91 %
    assert '50%<br><small class="of">(1 of 2)</small><br><small class="ci">9–91%</small>' in page.text
    zh = client.get("/reports/kpis?by=channel", headers={"Accept-Language": "zh-CN"})
    assert '50%<br><small class="of">(2 中的 1)</small>' in zh.text and "95% 置信区间（Wilson）" in zh.text


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
