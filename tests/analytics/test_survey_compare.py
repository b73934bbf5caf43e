"""A survey metric compared between groups through the API: GET /surveys/{id}/compare with the
groups of a hidden field or the response's language, and 422 naming a field it does not know."""

from tests.factories import make_account
from voxloop.analytics import stats

ROWS = ("attitude", "efficiency", "ability", "outcome", "environment", "convenience")
# (branch, nps, csat, attitude): 西湖店 mostly promoters, 外滩店 mostly detractors, 南京店 too few
ANSWERS = (
    [("西湖店", 10, 5, 5)] * 8
    + [("西湖店", 7, 4, 4)] * 2
    + [("外滩店", 3, 2, 2)] * 6
    + [("外滩店", 9, 3, 3)] * 3
    + [("外滩店", 8, 4, 4)] * 1
    + [("南京店", 10, 5, 5)] * 2
    + [("", 6, 3, 3)] * 1
)


def survey_with_answers(client, acct):  # type: ignore[no-untyped-def]
    survey = client.post(
        "/api/v1/surveys", json={"template": "service_satisfaction"}, headers=acct.headers
    ).json()
    survey = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=acct.headers).json()
    for n, (branch, nps, csat, attitude) in enumerate(ANSWERS):
        dims = {r: 3 + n % 3 for r in ROWS} | {"attitude": attitude}
        r = client.post(
            f"/api/v1/public/surveys/{survey['key']}/responses",
            json={
                "language": "zh" if n % 2 else "en",
                "hidden": {"branch": branch},
                "answers": {"dims": dims, "attention": 2, "csat": csat, "nps": nps},
            },
            headers={"User-Agent": f"respondent {n}"},
        )
        assert r.status_code == 201, r.text
    return survey


def test_nps_and_a_matrix_row_by_branch(client):
    analyst = make_account(role="analyst")
    survey = survey_with_answers(client, analyst)
    url = f"/api/v1/surveys/{survey['id']}/compare"
    params = {"metric": "nps", "by": "branch", "include_flagged": "true"}
    r = client.get(url, params=params, headers=analyst.headers)
    assert r.status_code == 200, r.text
    result = r.json()
    groups = result["groups"]
    west = stats.nps([10] * 8 + [7] * 2)  # 80 promoters of 100
    assert (groups["西湖店"]["n"], groups["西湖店"]["value"]) == (10, 80.0)
    assert (groups["西湖店"]["ci_low"], groups["西湖店"]["ci_high"]) == (west.ci_low, west.ci_high)
    assert groups["外滩店"]["value"] == -30.0  # 3 promoters, 6 detractors of 10
    assert groups["南京店"]["n"] == 2 and "not compared" in groups["南京店"]["not_estimable"]
    assert result["compared"] == ["外滩店", "西湖店"] and result["ungrouped"] == 1
    assert result["omnibus"]["test"] == "chi_square" and result["omnibus"]["p"] < 0.05
    (pair,) = result["pairs"]
    assert pair["difference"] == -110.0 and pair["p_adjusted"] == pair["p"] < 0.05
    row = client.get(
        url,
        params={"metric": "dims.attitude", "by": "branch", "include_flagged": "true"},
        headers=analyst.headers,
    ).json()
    assert row["metric"] == "mean" and row["groups"]["西湖店"]["value"] == 4.8
    assert row["omnibus"]["test"] == "welch_anova"
    by_language = client.get(
        url, params={"metric": "csat", "by": "language", "include_flagged": "true"}, headers=analyst.headers
    ).json()
    assert sorted(by_language["groups"]) == ["en", "zh"] and by_language["ungrouped"] == 0
    assert sum(g["n"] for g in by_language["groups"].values()) == len(ANSWERS)


def test_unknown_metric_or_column_is_422_naming_the_field(client):
    analyst = make_account(role="analyst")
    survey = survey_with_answers(client, analyst)
    url = f"/api/v1/surveys/{survey['id']}/compare"
    for params, field in (
        ({"metric": "colour", "by": "branch"}, "metric"),
        ({"metric": "dims", "by": "branch"}, "metric"),  # a matrix is compared row by row
        ({"metric": "nps", "by": "hair"}, "by"),
        ({"metric": "nps"}, "by"),
    ):
        r = client.get(url, params=params, headers=analyst.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"]["fields"][0]["field"].endswith(field)
    r = client.get(url, params={"metric": "nps", "by": "hair"}, headers=analyst.headers)
    assert "branch" in r.json()["error"]["fields"][0]["reason"]
