"""The inbox's bulk actions and saved views, on the SLA overview's cases (see
tests/web/test_inbox_workspace.py): a, b, c in the front office (a, b agent 1's, c agent 2's),
d resolved and e in engineering (both agent 3's)."""

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.commitments.test_sla_overview import setup_cases
from tests.factories import make_account
from tests.web.test_inbox_workspace import rows_by_id
from tests.web.test_pages import EN, csrf_of, login, new_client
from voxloop.audit.models import AuditEntry
from voxloop.cases.service import FOLLOW_UP
from voxloop.db import session_scope
from voxloop.feedback.models import Feedback, FeedbackEvent, SavedView
from voxloop.jobs.models import OutboxMessage

ZH = {"Accept-Language": "zh-CN"}


def state(*ids: int) -> dict[int, tuple[str, int | None, int | None]]:
    """Each record's status, department and owner, read from the database."""
    with session_scope() as db:
        rows = db.scalars(select(Feedback).where(Feedback.id.in_(ids)))
        return {r.id: (r.status, r.department_id, r.assignee_id) for r in rows}


def audited(feedback_id: int) -> list[dict]:
    with session_scope() as db:
        stmt = select(AuditEntry.after).where(
            AuditEntry.entity == "feedback", AuditEntry.entity_id == feedback_id
        )
        return [dict(a or {}) for a in db.scalars(stmt.order_by(AuditEntry.id))]


def timeline(feedback_id: int) -> list[tuple[str, dict]]:
    with session_scope() as db:
        stmt = select(FeedbackEvent.kind, FeedbackEvent.data).where(FeedbackEvent.feedback_id == feedback_id)
        return [(k, dict(d)) for k, d in db.execute(stmt.order_by(FeedbackEvent.id))]


def notice(html: str) -> str:
    found = re.search(r'<p class="notice bulk-notice" role="status">(.*?)</p>', html, re.S)
    assert found, "no notice on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def bulk(client, form: dict, params: str = "", headers: dict = EN):  # type: ignore[no-untyped-def]
    """Press a button of the inbox's bulk form, as the page at /inbox?params draws it."""
    token = csrf_of(client.get("/inbox?" + params, headers=headers).text)
    return client.post(
        "/inbox/bulk", data={"csrf_token": token, "back": params, **form}, follow_redirects=False
    )


def departments(client, admin) -> dict[str, int]:  # type: ignore[no-untyped-def]
    listed = client.get("/api/v1/departments", headers=admin.headers).json()
    return {d["name_en"]: d["id"] for d in listed}


def test_bulk_assign_to_me_each_audited_with_a_notice_and_the_filters_kept(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)
    login(client, agents[0].email)
    before = state(b, c, d, e)
    entries_of_b = audited(b)

    r = bulk(client, {"ids": [c, d, e, b], "action": "assign", "assignee_id": "me"}, "sla=breached&q=x")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/inbox?sla=breached&q=x"  # back to the same inbox

    after = state(b, c, d, e)
    assert {after[i][2] for i in (c, d, e)} == {agents[0].user_id}
    assert after[b] == before[b]  # agent 1's already
    for i in (c, d, e):
        # as the record page's own form does it: the department kept, the audit and timeline
        assert audited(i)[-1] == {"department_id": before[i][1], "assignee_id": agents[0].user_id}
        kind, data = timeline(i)[-1]
        assert kind == "assigned" and data["from"]["assignee_id"] == before[i][2]
    assert audited(b) == entries_of_b  # nothing changed, nothing audited

    page = client.get(r.headers["location"], headers=EN).text
    assert notice(page) == f"3 assigned; 1 not changed: #{b} has that owner already"
    assert f'href="/feedback/{b}">#{b} has that owner already' in page
    # shown once: the next visit has no notice
    assert "bulk-notice" not in client.get("/inbox", headers=EN).text


def test_bulk_status_reports_the_record_the_workflow_refuses(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)
    r = client.post(f"/api/v1/feedback/{d}/transitions", json={"to": "closed"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    login(client, agents[1].email)
    with session_scope() as db:
        jobs_before = db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0

    r = bulk(client, {"ids": [b, c, d], "action": "status", "to": "resolved"}, "owner=me")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/inbox?owner=me"

    after = state(b, c, d)
    assert after[b][0] == after[c][0] == "resolved"
    assert after[d][0] == "closed"  # closed cannot go to resolved: left as it was
    for i in (b, c):
        assert audited(i)[-1] == {"status": "resolved"}
        assert timeline(i)[-1] == ("status_changed", {"from": "assigned", "to": "resolved"})
    assert audited(d)[-1] == {"status": "closed"}  # the API's own change, nothing after it
    with session_scope() as db:
        follow_ups = db.scalars(
            select(OutboxMessage.payload).where(
                OutboxMessage.id > jobs_before, OutboxMessage.task == FOLLOW_UP
            )
        ).all()
    assert sorted(p["feedback_id"] for p in follow_ups) == sorted([b, c])  # the surveys follow

    page = client.get(r.headers["location"], headers=EN).text
    assert notice(page) == (f"2 set to Resolved; 1 not changed: #{d} is Closed: it cannot be set to Resolved")

    # the same again: resolved already, said so in Chinese
    r = bulk(client, {"ids": [b], "action": "status", "to": "resolved"}, headers=ZH)
    assert r.status_code == 303
    zh = notice(client.get("/inbox", headers=ZH).text)
    assert "0" in zh and f"#{b}" in zh and "已解决" in zh


def test_bulk_move_to_department_keeps_the_owner(client, clock):
    admin, manager, agents, (a, b, c, d, e) = setup_cases(client, clock)
    deps = departments(client, admin)
    login(client, manager.email)

    r = bulk(client, {"ids": [a, e], "action": "department", "department_id": deps["Front Office"]})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/inbox"
    after = state(a, e)
    assert after[e][1] == deps["Front Office"] and after[e][2] == agents[2].user_id
    assert audited(e)[-1] == {"department_id": deps["Front Office"], "assignee_id": agents[2].user_id}
    assert notice(client.get("/inbox", headers=EN).text) == (
        f"1 moved to the department; 1 not changed: #{a} is in that department already"
    )

    # without script, "select all" means every row the page showed
    r = bulk(
        client,
        {"select_all": "1", "shown": [a, b, c], "action": "department", "department_id": deps["Engineering"]},
    )
    assert r.status_code == 303
    assert {s[1] for s in state(a, b, c).values()} == {deps["Engineering"]}


def test_who_may_act_csrf_and_bad_input(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)
    analyst = make_account(role="analyst", org_slug=admin.org_slug, email="analyst@sla.example")
    before = state(a, b, c, d, e)

    # an analyst reads the inbox but is offered no bulk form, and a forged one is refused
    login(client, analyst.email)
    page = client.get("/inbox", headers=EN).text
    assert set(rows_by_id(page)) == {a, b, c, d, e}
    assert 'id="bulk"' not in page and 'name="ids"' not in page
    for form in (
        {"ids": [a], "action": "assign", "assignee_id": str(agents[0].user_id)},
        {"ids": [a], "action": "status", "to": "in_progress"},
        {"ids": [a], "action": "department", "department_id": "1"},
        {"ids": [a, b], "action": "merge"},
    ):
        assert bulk(client, form).status_code == 403, form
    assert state(a, b, c, d, e) == before

    agent = new_client(client)
    login(agent, agents[0].email)
    page = agent.get("/inbox", headers=EN).text
    assert 'id="bulk"' in page and f'name="ids" value="{a}"' in page
    # no CSRF token, or another one: refused, nothing changed
    for token in (None, "forged"):
        data = {"ids": [a, c], "action": "status", "to": "in_progress"}
        if token:
            data["csrf_token"] = token
        r = agent.post("/inbox/bulk", data=data, follow_redirects=False)
        assert r.status_code == 403, r.text
    assert state(a, b, c, d, e) == before

    # bad input: a 422 naming the field, and nothing changed even for the records before it
    for form, field in (
        ({"ids": [a], "action": "explode"}, "action"),
        ({"action": "status", "to": "in_progress"}, "ids"),
        ({"ids": ["abc"], "action": "status", "to": "in_progress"}, "ids"),
        ({"ids": [a], "action": "status", "to": "done"}, "to"),
        ({"ids": [a, c], "action": "assign", "assignee_id": "999999"}, "assignee_id"),
        ({"ids": [a], "action": "assign", "assignee_id": str(analyst.user_id)}, "assignee_id"),
        ({"ids": [a, c], "action": "department", "department_id": "999999"}, "department_id"),
        ({"ids": [a] * 201, "action": "status", "to": "in_progress"}, "ids"),
        ({"ids": [a], "action": "merge"}, "ids"),
        ({"ids": [a, a], "action": "merge", "primary_id": str(a)}, "ids"),
        ({"ids": [a, c], "action": "merge", "primary_id": str(b)}, "primary_id"),
        ({"ids": [a, c], "action": "merge", "primary_id": "first"}, "primary_id"),
    ):
        r = bulk(agent, form)
        assert r.status_code == 422, (form, r.status_code)
        assert f"<code>{field}</code>" in r.text, form
    assert state(a, b, c, d, e) == before


def test_bulk_merge_into_the_oldest_says_what_was_refused(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)
    r = client.post(f"/api/v1/feedback/{b}/merge", json={"into": d}, headers=admin.headers)
    assert r.status_code == 200, r.text
    login(client, agents[0].email)
    page = client.get("/inbox", headers=EN).text
    assert '<button type="submit" name="action" value="merge">Merge into one case</button>' in page
    entries_of_b = audited(b)

    # a, b, c and d came in at the same time: a was written first, so it carries on
    r = bulk(client, {"ids": [e, b, c, 999999, a], "action": "merge", "primary_id": ""}, "owner=me")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/inbox?owner=me"
    with session_scope() as db:
        merged = {f.id: f for f in db.scalars(select(Feedback).where(Feedback.id.in_([a, c, e])))}
        assert [(merged[i].status, merged[i].flag) for i in (c, e)] == [("closed", "duplicate")] * 2
        assert merged[a].status == "assigned" and merged[a].flag is None
    for i in (c, e):
        # as the record's own merge does it: audited, on both timelines
        assert audited(i)[-1] == {"status": "closed", "merged_into": a}
        assert timeline(i)[-1][0] == "merged" and timeline(i)[-1][1]["into"] == a
    merged_in = [data["from_id"] for kind, data in timeline(a) if kind == "merged_from"]
    assert merged_in == [e, c]  # in the order chosen
    assert audited(b) == entries_of_b  # merged into d before: left as it was

    page = client.get(r.headers["location"], headers=EN).text
    assert notice(page) == (
        f"2 merged into #{a}; 2 not changed: #999999 was not found; #{b} was merged into another case already"
    )
    assert f'merged into <a href="/feedback/{a}">#{a}</a>' in page


def test_bulk_merge_into_the_chosen_case_keeps_other_customers_apart(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)

    def record(email: str) -> int:
        r = client.post(
            "/api/v1/feedback",
            json={"description": "Charged twice for the minibar", "customer": {"name": "Li", "email": email}},
            headers=admin.headers,
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    f, g, h = record("li@guest.example"), record("wang@guest.example"), record("LI@guest.example")
    login(client, agents[1].email)

    # f is the newest but chosen; a guest known by name only may be the same person, one
    # with another email is not
    r = bulk(client, {"ids": [a, g, h, f], "action": "merge", "primary_id": str(f)}, headers=ZH)
    assert r.status_code == 303, r.text
    assert {i: s[0] for i, s in state(a, f, g, h).items()} == {a: "closed", f: "new", g: "new", h: "closed"}
    assert audited(a)[-1] == audited(h)[-1] == {"status": "closed", "merged_into": f}
    assert [data["from_id"] for kind, data in timeline(f) if kind == "merged_from"] == [a, h]
    zh = notice(client.get("/inbox", headers=ZH).text)
    assert f"#{f}" in zh and f"#{g}" in zh and "客户" in zh, zh

    # the same again: all of them were merged, or are someone else's
    r = bulk(client, {"ids": [a, g, h, f], "action": "merge"})
    assert r.status_code == 303
    assert notice(client.get("/inbox", headers=EN).text) == (
        f"0 merged into #{f}; 3 not changed: #{a} was merged into another case already; "
        f"#{g} is from another customer; #{h} was merged into another case already"
    )


def saved_views(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="saved-views".*?</nav>', html, re.S)
    assert nav, "no saved views"
    return {
        name: href.replace("&amp;", "&")
        for href, name in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0))
    }


def save(client, name: str, query: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/inbox", headers=EN).text)
    return client.post(
        "/inbox/views",
        data={"csrf_token": token, "name": name, "query": query},
        headers=EN,
        follow_redirects=False,
    )


def test_saved_views_are_a_persons_own(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)
    front = departments(client, admin)["Front Office"]
    login(client, agents[0].email)

    # the page offers to save the filters in force
    page = client.get("/inbox", params={"sla": "breached", "department_id": front}, headers=EN).text
    assert f'name="query" value="department_id={front}&amp;sla=breached"' in page
    r = save(client, "  Late at the front ", f"department_id={front}&sla=breached")
    assert r.status_code == 303, r.text
    opened = client.get(r.headers["location"], headers=EN)
    assert set(rows_by_id(opened.text)) == {b, c}
    assert '<mark class="filter">Department: Front Office</mark>' in opened.text

    views = saved_views(client.get("/inbox", headers=EN).text)
    assert list(views) == ["Late at the front"]
    href = views["Late at the front"]
    assert parse_qs(urlsplit(href).query) == {"department_id": [str(front)], "sla": ["breached"]}
    assert set(rows_by_id(client.get(href, headers=EN).text)) == {b, c}  # opening it

    # refused, naming the field: the same name again, no name, a long one, and queries the
    # inbox itself would refuse
    for name, query, field in (
        ("Late at the front", "owner=me", "name"),
        ("  ", "owner=me", "name"),
        ("x" * 81, "owner=me", "name"),
        ("Bad status", "status=nope", "query.status"),
        ("Bad department", "department_id=front", "query.department_id"),
        ("Bad owner", "owner=boss", "query.owner"),
        ("Bad date", "date_from=yesterday", "query.date_from"),
        ("Unknown", "colour=red", "query.colour"),
        ("Too many", "&".join(f"q={i}" for i in range(60)), "query"),
    ):
        r = save(client, name, query)
        assert r.status_code == 422, (name, query, r.status_code)
        assert f"<code>{field}</code>" in r.text, (name, query)
    r = save(client, "Mine", "?owner=me&status=")  # the inbox's own form leaves blanks
    assert r.status_code == 303 and r.headers["location"] == "/inbox?owner=me"
    assert list(saved_views(client.get("/inbox", headers=EN).text)) == ["Late at the front", "Mine"]

    # another person sees none of them and cannot delete them
    other = new_client(client)
    login(other, agents[1].email)
    assert saved_views(other.get("/inbox", headers=EN).text) == {}
    assert save(other, "Mine", "owner=me").status_code == 303  # names are unique per person
    assert list(saved_views(other.get("/inbox", headers=EN).text)) == ["Mine"]
    with session_scope() as db:
        mine = {
            v.name: v.id for v in db.scalars(select(SavedView).where(SavedView.user_id == agents[0].user_id))
        }
    token = csrf_of(other.get("/inbox").text)
    r = other.post(f"/inbox/views/{mine['Mine']}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 404
    assert list(saved_views(client.get("/inbox", headers=EN).text)) == ["Late at the front", "Mine"]

    # the owner deletes one, and goes back to the inbox they were on
    token = csrf_of(client.get("/inbox").text)
    r = client.post(
        f"/inbox/views/{mine['Mine']}/delete",
        data={"csrf_token": token, "back": "owner=me"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/inbox?owner=me"
    assert list(saved_views(client.get("/inbox", headers=EN).text)) == ["Late at the front"]
    # without the CSRF token nothing is deleted
    r = client.post(f"/inbox/views/{mine['Late at the front']}/delete", follow_redirects=False)
    assert r.status_code == 403
    assert list(saved_views(client.get("/inbox", headers=EN).text)) == ["Late at the front"]
