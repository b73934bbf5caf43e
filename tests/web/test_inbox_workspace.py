"""The inbox as an agent's workspace: owner, department, deadline countdown and next step in
each row, and the quick filters (mine, my department, unassigned, at risk, breached, needs
review, waiting for customer), on the SLA overview's cases looked at on the Tuesday morning
(tests/commitments/test_sla_overview.py): b and c broke Monday's 18:00 response deadline, e is
an hour from its own."""

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update

from tests.commitments.test_sla_overview import setup_cases
from tests.web.test_pages import EN, login
from voxloop.accounts.models import User
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback
from voxloop.jobs.executor import drain

ZH = {"Accept-Language": "zh-CN"}


def rows_by_id(html: str) -> dict[int, str]:
    """Each table row's HTML, by the record it links to."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body, "no table in the page"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        found = re.search(r'href="/feedback/(\d+)"', row)
        if found:
            rows[int(found.group(1))] = row
    return rows


def cell(row: str, name: str) -> str:
    found = re.search(rf'<td class="{name}">(.*?)</td>', row, re.S)
    assert found, f"no {name} cell in {row}"
    return re.sub(r"\s+", " ", found.group(1)).strip()


def quick_links(html: str) -> dict[str, tuple[dict[str, list[str]], bool]]:
    """Each quick filter's query and whether it is the one in force."""
    nav = re.search(r'<nav class="quick".*?</nav>', html, re.S)
    assert nav, "no quick filters"
    links = {}
    for href, key, current in re.findall(
        r'<a href="([^"]+)" class="quick-([a-z_]+)"( aria-current="true")?>', nav.group(0)
    ):
        links[key] = (parse_qs(urlsplit(href.replace("&amp;", "&")).query), bool(current))
    return links


def test_quick_filters_columns_and_countdowns(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)

    def new_case(text: str) -> int:
        r = client.post("/api/v1/feedback", json={"description": text}, headers=admin.headers)
        assert r.status_code == 201, r.text
        drain()
        return int(r.json()["id"])

    # f: nobody's yet, its type left for a person to confirm; g: agent 2's, waiting for the guest
    f = new_case("房间里的热水时有时无，请派人看看。")
    g = new_case("想确认一下退房时间可否延后到下午两点。")
    departments = client.get("/api/v1/departments", headers=admin.headers).json()
    front, eng = (
        next(x["id"] for x in departments if x["name_en"] == name) for name in ("Front Office", "Engineering")
    )
    r = client.post(
        f"/api/v1/feedback/{g}/assignment",
        json={"department_id": eng, "assignee_id": agents[1].user_id},
        headers=admin.headers,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/feedback/{g}/transitions", json={"to": "waiting_customer"}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    with session_scope() as db:
        db.execute(update(Feedback).where(Feedback.id == f).values(review="type", review_confidence=0.4))
        db.execute(update(User).where(User.id == agents[0].user_id).values(department_id=front))
        db.commit()

    login(client, agents[0].email)

    def shown(**params: str) -> set[int]:
        r = client.get("/inbox", params=params, headers=EN)
        assert r.status_code == 200, r.text
        return set(rows_by_id(r.text))

    assert shown() == {a, b, c, d, e, f, g}
    assert shown(owner="me") == {a, b}  # agent 1's
    assert shown(department_id=str(front)) == {a, b, c}  # agent 1's department
    assert shown(owner="none") == {f}
    assert shown(sla="at_risk") == {e}
    assert shown(sla="breached") == {b, c}
    assert shown(review="1") == {f}
    assert shown(status="waiting_customer") == {g}
    assert shown(owner=str(agents[2].user_id)) == {d, e}
    # combined with each other and with the search box
    assert shown(owner="me", sla="breached") == {b}
    assert shown(department_id=str(eng), sla="at_risk") == {e}
    assert shown(q="热水", owner="none") == {f}
    assert shown(q="热水", owner="me") == set()

    # Columns: owner (or Unassigned), department in the page's language, countdown and step.
    page = client.get("/inbox", headers=EN).text
    rows = rows_by_id(page)
    with session_scope() as db:
        names = {u.id: u.name for u in db.scalars(select(User).where(User.org_id == admin.org_id))}
    assert cell(rows[b], "owner") == names[agents[0].user_id]
    assert cell(rows[e], "owner") == names[agents[2].user_id]
    assert cell(rows[f], "owner") == "<small>Unassigned</small>"
    assert cell(rows[b], "department") == "Front Office" and cell(rows[e], "department") == "Engineering"
    assert cell(rows[f], "department") == ""
    breached = cell(rows[b], "deadline")
    assert 'class="countdown countdown-breached"' in breached and ">16 h overdue</span>" in breached
    at_risk = cell(rows[e], "deadline")
    assert 'class="countdown countdown-at-risk"' in at_risk and ">in 1 h</span>" in at_risk
    assert cell(rows[b], "next-step") == "Response" and cell(rows[e], "next-step") == "Response"
    # a finished case and a paused one count down nothing
    assert cell(rows[d], "deadline") == "" and cell(rows[g], "deadline") == ""
    # a answered, on track for its resolution on Friday 18:00: neither red nor amber
    on_track = cell(rows[a], "deadline")
    assert 'class="countdown countdown-on-track"' in on_track and ">in 3 d</span>" in on_track
    assert cell(rows[a], "next-step") == "Resolution"

    zh = rows_by_id(client.get("/inbox", headers=ZH).text)
    assert cell(zh[b], "department") == "前厅部" and cell(zh[f], "owner") == "<small>未分配</small>"
    assert ">超时 16 小时</span>" in cell(zh[b], "deadline")
    assert ">1 小时后</span>" in cell(zh[e], "deadline")
    assert cell(zh[e], "next-step") == "响应"

    # The quick filters keep the search and the other filters, and mark the one in force.
    searched = client.get("/inbox", params={"q": "热水", "sla": "breached"}, headers=EN).text
    links = quick_links(searched)
    assert set(links) == {
        "all",
        "mine",
        "my_department",
        "unassigned",
        "at_risk",
        "breached",
        "review",
        "waiting",
    }
    assert links["mine"] == ({"q": ["热水"], "sla": ["breached"], "owner": ["me"]}, False)
    assert links["my_department"][0]["department_id"] == [str(front)]
    assert links["at_risk"] == ({"q": ["热水"], "sla": ["at_risk"]}, False)  # one standing at a time
    assert links["breached"] == ({"q": ["热水"]}, True)  # in force: its link takes it away
    assert links["all"] == ({"q": ["热水"]}, False)
    assert '<input type="hidden" name="sla" value="breached">' in searched  # the search box keeps it
    assert quick_links(client.get("/inbox", headers=EN).text)["all"][1] is True

    # Bad values: a 422 naming the parameter, never a 500.
    for params, name in (
        ({"owner": "boss"}, "owner"),
        ({"owner": "-3"}, "owner"),
        ({"sla": "late"}, "sla"),
        ({"status": "nope"}, "status"),
        ({"department_id": "front"}, "department_id"),
    ):
        bad = client.get("/inbox", params=params, headers=EN)
        assert bad.status_code == 422, (params, bad.status_code)
        assert name in bad.text
