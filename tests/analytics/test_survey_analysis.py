"""A survey's analysis through the API: indicators with n and intervals, reliability, drivers,
factor analysis, SERVQUAL gaps — computed from the stored responses."""

import re

import numpy as np
import pytest
from scipy import stats as sps

from tests.factories import make_account
from tests.web.test_pages import login, new_client
from voxloop.analytics import stats
from voxloop.surveys import quality

ROWS = ("attitude", "efficiency", "ability", "outcome", "environment", "convenience")


def publish(client, acct, template):  # type: ignore[no-untyped-def]
    survey = client.post("/api/v1/surveys", json={"template": template}, headers=acct.headers).json()
    return client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=acct.headers).json()


def test_service_satisfaction_analysis(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, "service_satisfaction")
    rng = np.random.default_rng(3)
    nps_scores = []
    for n in range(60):
        level = rng.integers(1, 6)  # how the service went for this respondent
        dims = {r: int(np.clip(level + rng.integers(-1, 2), 1, 5)) for r in ROWS}
        dims["attitude"] = int(np.clip(level + rng.integers(-2, 3), 1, 5))
        csat = int(np.clip(round(0.8 * level + 0.5 + rng.normal(0, 0.6)), 1, 5))
        nps = int(np.clip(2 * level + rng.integers(-1, 2), 0, 10))
        nps_scores.append(nps)
        r = client.post(
            f"/api/v1/public/surveys/{survey['key']}/responses",
            json={"language": "zh", "answers": {"dims": dims, "attention": 2, "csat": csat, "nps": nps}},
            headers={"User-Agent": f"respondent {n}"},
        )
        assert r.status_code == 201, r.text
    result = client.get(f"/api/v1/surveys/{survey['id']}/analysis", headers=analyst.headers).json()
    included = result["n"]
    assert included >= 55  # a few may be flagged (e.g. straight-lining), and are left out
    nps = result["indicators"]["nps"]["nps"]
    assert nps["n"] == included and nps["ci_low"] < nps["value"] < nps["ci_high"]
    csat = result["indicators"]["csat"]
    assert 0 <= csat["top2"]["ci_low"] <= csat["top2"]["value"] <= csat["top2"]["ci_high"] <= 1
    assert result["reliability"]["dims"]["alpha"] > 0.8  # the six rows move together
    drivers = result["drivers"]
    assert drivers["outcome"] == "csat" and drivers["n"] == included and drivers["r2"] > 0.3
    assert abs(sum(d["relative_weight"] for d in drivers["drivers"].values()) - drivers["r2"]) < 1e-3
    assert result["efa"]["suggested_factors"] >= 1 and len(result["efa"]["loadings"]) == 6
    with_flagged = client.get(
        f"/api/v1/surveys/{survey['id']}/analysis?include_flagged=true", headers=analyst.headers
    ).json()
    assert with_flagged["n"] == 60
    assert with_flagged["indicators"]["nps"]["nps"]["value"] == stats.nps(nps_scores).value
    pairs = result["correlations"]["dims"]["pairs"]
    assert len(pairs) == 15 and all(p["r"] > 0 for p in pairs)  # six rows that move together
    quadrants = {item["quadrant"] for item in result["ipa"]["items"].values()}
    assert set(result["ipa"]["items"]) == set(ROWS) and quadrants <= set(stats.IPA_QUADRANTS)
    # each driver and IPA item with n and its intervals: performance a t interval of the item's
    # answers (scipy), importance the driver's bootstrap interval
    answers = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=analyst.headers).json()
    kept = [r["answers"]["dims"] for r in answers if not quality.excluded(r["quality_flags"])]
    for row, item in result["ipa"]["items"].items():
        values = [a[row] for a in kept]
        t = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
        assert item["n"] == len(values) and item["performance_ci"] == pytest.approx(list(t), abs=1e-4)
        weight = drivers["drivers"][row]
        assert item["importance_ci"] == [weight["ci_low"], weight["ci_high"]]
        assert 0 <= weight["ci_low"] <= weight["relative_weight"] <= weight["ci_high"] <= 1
    staff = new_client(client)
    login(staff, analyst.email)
    for language, words in (("en", ("Relative weight", "Performance", "bootstrap of 1000 resamples")),
                            ("zh-CN", ("相对权重", "绩效", "1000 次"))):  # fmt: skip
        page = staff.get(f"/surveys/{survey['id']}/analysis", headers={"Accept-Language": language}).text
        tables = re.findall(r'<table class="(?:drivers|ipa)">.*?</table>', page, re.S)
        assert len(tables) == 2 and all(w in page for w in words), language
        assert f'data-x-label="{words[1]}"' in page  # the IPA chart's axis, translated
        assert not re.search(r">\s*(None|nan)\s*<", "".join(tables))
        assert len(re.findall(r"\d\.\d{3} – \d\.\d{3}", tables[0])) == len(ROWS)  # each weight's interval
    # the drivers, the IPA items and the outcome by their words in the page's language, not ids
    worded = (
        ("en", "Overall, how satisfied are you with our service?", "Service attitude"),
        ("zh-CN", "总体而言，您对我们的服务满意吗？", "服务态度"),
    )
    for language, outcome, row in worded:
        page = staff.get(f"/surveys/{survey['id']}/analysis", headers={"Accept-Language": language}).text
        drivers_table, ipa_table = re.findall(r'<table class="(?:drivers|ipa)">.*?</table>', page, re.S)
        assert re.search(r"<header>[^<]*" + re.escape(outcome) + r"[^<]*R² =", page), language
        assert f'<tr data-driver="attitude"><td>{row}</td>' in drivers_table
        assert f'<tr data-item="attitude"><td>{row}</td>' in ipa_table
        assert not any(f"<td>{r}</td>" in drivers_table + ipa_table for r in ROWS)


def test_servqual_analysis_gaps_by_dimension(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, "servqual")
    items = [
        i["id"]
        for i in client.get(f"/api/v1/surveys/{survey['id']}", headers=analyst.headers).json()["definition"][
            "sections"
        ][0]["questions"][0]["items"]
    ]
    rng = np.random.default_rng(5)
    for n in range(15):
        base = rng.integers(3, 6)
        sq = {
            i: {
                "expectation": 7 - (k % 2),
                "perception": int(np.clip(base + (k % 3) - (2 if i.startswith("s") else 0), 1, 7)),
            }
            for k, i in enumerate(items)
        }
        r = client.post(
            f"/api/v1/public/surveys/{survey['key']}/responses",
            json={"language": "en", "answers": {"sq": sq, "nps": int(rng.integers(0, 11))}},
            headers={"User-Agent": f"r{n}"},
        )
        assert r.status_code == 201
    result = client.get(f"/api/v1/surveys/{survey['id']}/analysis", headers=analyst.headers).json()
    sq = result["servqual"]
    assert set(sq["dimensions"]) == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}
    assert min(sq["dimensions"], key=lambda d: sq["dimensions"][d]["gap"]) == "responsiveness"
    assert sq["items"]["t1"]["n"] == result["n"] >= 10 and sq["overall_gap"] < 0  # copies are left out


def test_open_answers_are_coded_as_critical_incidents(client):
    analyst = make_account(role="analyst")
    survey = publish(client, analyst, "nps")
    answers = [
        (10, "前台服务非常热情，办理入住很快"),
        (9, "前台服务热情周到"),
        (2, "早餐太难吃了，种类也少"),
        (3, "早餐难吃"),
        (1, "The breakfast was cold and awful"),
        (8, ""),
    ]
    for n, (score, why) in enumerate(answers):
        body = {"language": "zh", "answers": {"nps": score, **({"why": why} if why else {})}}
        r = client.post(
            f"/api/v1/public/surveys/{survey['key']}/responses", json=body, headers={"User-Agent": f"r{n}"}
        )
        assert r.status_code == 201, r.text
    coded = client.get(f"/api/v1/surveys/{survey['id']}/analysis", headers=analyst.headers).json()[
        "incidents"
    ]
    why = coded["why"]
    assert why["answers"] == 5 and why["coded"] == 5
    by_kind: dict[str, int] = {}
    for incident in why["incidents"]:
        by_kind[incident["incident"]] = by_kind.get(incident["incident"], 0) + incident["count"]
        assert incident["examples"] and incident["category"]
    assert by_kind == {"positive": 2, "negative": 3}
    top_negative = next(i for i in why["incidents"] if i["incident"] == "negative")
    assert top_negative["category"] in ("早餐", "难吃") and top_negative["count"] == 2


def test_weighted_indicators_by_raking_on_a_hidden_field(client):
    import json

    analyst = make_account(role="analyst")
    survey = publish(client, analyst, "service_satisfaction")
    answers = [("西湖店", 10)] * 40 + [("外滩店", 2)] * 10  # 80 % of answers from one hotel of two
    for n, (branch, nps) in enumerate(answers):
        dims = {r: 4 for r in ROWS}
        r = client.post(
            f"/api/v1/public/surveys/{survey['key']}/responses",
            json={
                "language": "zh",
                "hidden": {"branch": branch},
                "answers": {"dims": dims, "attention": 2, "csat": 4, "nps": nps},
            },
            headers={"User-Agent": f"respondent {n}"},
        )
        assert r.status_code == 201, r.text
    targets = json.dumps({"branch": {"西湖店": 0.5, "外滩店": 0.5}})
    r = client.get(
        f"/api/v1/surveys/{survey['id']}/analysis",
        params={"weights": targets, "include_flagged": "true"},
        headers=analyst.headers,
    )
    assert r.status_code == 200, r.text
    nps = r.json()["indicators"]["nps"]
    assert nps["nps"]["value"] == 60.0  # 40 promoters and 10 detractors of 50
    assert nps["weighted_nps"]["value"] == 0.0  # half promoters, half detractors once weighted
    assert nps["weighted_nps"]["extra"]["effective_n"] < 50
    r = client.get(
        f"/api/v1/surveys/{survey['id']}/analysis", params={"weights": "[1]"}, headers=analyst.headers
    )
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "weights"
    # margins the answers cannot meet: a hotel with a share but no respondent, or answers from
    # a hotel without a share, are named instead of weighted silently wrong
    cases = [
        ({"西湖店": 0.4, "外滩店": 0.4, "湖滨店": 0.2}, "no respondent in 湖滨店 of branch"),
        ({"西湖店": 1.0}, "branch has answers in 外滩店, which have no population share"),
    ]
    for shares, words in cases:
        r = client.get(
            f"/api/v1/surveys/{survey['id']}/analysis",
            params={"weights": json.dumps({"branch": shares}), "include_flagged": "true"},
            headers=analyst.headers,
        )
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "weights"
        assert words in r.json()["error"]["fields"][0]["reason"]
