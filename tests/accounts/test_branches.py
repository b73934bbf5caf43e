"""Branches: the organization's hotels as a managed list, kept over the API and on the admin
page, offered by the dashboards' branch filter."""

from tests.factories import make_account
from tests.web.test_pages import csrf_of, login


def test_admin_keeps_the_branch_list_over_the_api(client):
    admin = make_account()
    r = client.post(
        "/api/v1/branches",
        json={"name": "杭州西湖店", "name_en": "Hangzhou West Lake", "city": "Hangzhou"},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    branch = r.json()
    assert (branch["name"], branch["city"], branch["active"]) == ("杭州西湖店", "Hangzhou", True)
    dup = client.post("/api/v1/branches", json={"name": " 杭州西湖店 "}, headers=admin.headers)
    assert dup.status_code == 409 and dup.json()["error"]["fields"][0]["field"] == "name"
    blank = client.post("/api/v1/branches", json={"name": " "}, headers=admin.headers)
    assert blank.status_code == 422 and "name" in blank.text
    # the name is what records carry: it is not renamed; a closed hotel is made inactive
    rename = client.patch(f"/api/v1/branches/{branch['id']}", json={"name": "西湖"}, headers=admin.headers)
    assert rename.status_code == 422 and "name" in rename.text
    closed = client.patch(
        f"/api/v1/branches/{branch['id']}", json={"active": False, "city": "杭州"}, headers=admin.headers
    )
    assert closed.status_code == 200 and (closed.json()["active"], closed.json()["city"]) == (False, "杭州")
    assert (
        client.patch("/api/v1/branches/999999", json={"active": True}, headers=admin.headers).status_code
        == 404
    )

    analyst = make_account(role="analyst", org_slug=admin.org_slug)
    listed = client.get("/api/v1/branches", headers=analyst.headers)
    assert [b["name"] for b in listed.json()] == ["杭州西湖店"]
    assert client.post("/api/v1/branches", json={"name": "x"}, headers=analyst.headers).status_code == 403
    other = make_account(org_slug="elsewhere")
    assert client.get("/api/v1/branches", headers=other.headers).json() == []
    assert client.patch(f"/api/v1/branches/{branch['id']}", json={}, headers=other.headers).status_code == 404


def test_the_admin_page_adds_and_closes_a_branch_and_the_scorecard_filter_offers_the_list(client):
    admin = make_account()
    login(client, admin.email)
    page = client.get("/admin/branches", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "门店列表" in page.text and "尚无门店" in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "name": "上海外滩店", "name_en": "Shanghai Bund", "city": "Shanghai"}
    assert client.post("/admin/branches", data=form, follow_redirects=False).status_code == 303
    again = client.post("/admin/branches", data=form)
    assert again.status_code == 409 and "上海外滩店" in again.text
    [branch] = client.get("/api/v1/branches", headers=admin.headers).json()
    scorecard = client.get("/reports/scorecard", headers={"Accept-Language": "en"}).text
    assert '<select name="branch">' in scorecard and "Shanghai Bund · Shanghai" in scorecard
    closed = {"csrf_token": token, "name_en": "Shanghai Bund", "city": "上海"}  # "active" unticked
    assert (
        client.post(f"/admin/branches/{branch['id']}", data=closed, follow_redirects=False).status_code == 303
    )
    [branch] = client.get("/api/v1/branches", headers=admin.headers).json()
    assert (branch["active"], branch["city"]) == (False, "上海")
