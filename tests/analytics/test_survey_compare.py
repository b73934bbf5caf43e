"""A survey metric compared between groups through the API: GET /surveys/{id}/compare with the
groups of a hidden field or the response's language, and 422 naming a field it does not know."""

from fastapi.testclient import TestClient

from tests.factories import make_account
from tests.web.test_pages import login
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
        dims = {r: 1 + (n + i) % 5 for i, r in enumerate(ROWS)} | {"attitude": attitude}
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


def test_the_analysis_page_compares_groups_in_english_and_chinese(client):
    analyst = make_account(role="analyst")
    survey = survey_with_answers(client, analyst)
    staff = TestClient(client.app)
    login(staff, analyst.email)
    url = f"/surveys/{survey['id']}/analysis"
    page = staff.get(url, params={"metric": "nps", "by": "branch"}, headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    html = page.text
    assert "Compare groups" in html and '<option value="branch" selected>' in html
    assert "<tr><td>西湖店</td><td>10</td><td>80.0</td>" in html
    assert "not estimable: fewer than 5 answers, not compared" in html  # 南京店, 2 answers
    assert "Chi-square test of detractors, passives and promoters" in html
    assert "p (Holm-adjusted)" in html and "1 responses without a branch are left out." in html
    zh = staff.get(
        url, params={"metric": "dims.attitude", "by": "branch"}, headers={"Accept-Language": "zh-CN"}
    )
    assert "分组比较" in zh.text and "Welch 方差分析" in zh.text and "Holm 校正" in zh.text
    assert "<tr><td>西湖店</td><td>10</td><td>4.80</td>" in zh.text
    bad = staff.get(url, params={"metric": "colour", "by": "branch"}, headers={"Accept-Language": "en"})
    assert bad.status_code == 422 and "<code>metric</code>" in bad.text
