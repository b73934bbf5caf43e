"""The managers' SLA overview (S2 step 4), against a hand count: five inquiries under the
"all other feedback" commitment (a first response within 8 working hours, office hours
09-12 and 13-18 in Shanghai), owned by three agents in two departments, looked at on the
Tuesday morning after they came in."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import make_account
from tests.web.test_pages import EN, login
from voxloop.commitments import overview
from voxloop.commitments.tasks import sweep_commitments
from voxloop.db import session_scope
from voxloop.jobs.executor import drain

SH = ZoneInfo("Asia/Shanghai")
INQUIRY = "请问酒店的早餐几点开始？{n}"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def setup_cases(client, clock):  # type: ignore[no-untyped-def]
    admin = make_account(role="admin")
    manager = make_account(role="manager", org_slug=admin.org_slug, email="manager@sla.example")
    agents = [
        make_account(role="agent", org_slug=admin.org_slug, email=f"agent{i}@sla.example") for i in (1, 2, 3)
    ]
    front, eng = (
        client.post("/api/v1/departments", json={"name": zh, "name_en": en}, headers=admin.headers).json()[
            "id"
        ]
        for zh, en in (("前厅部", "Front Office"), ("工程部", "Engineering"))
    )

    def case(at: datetime, agent: int, department: int) -> int:
        clock.now = at
        r = client.post(
            "/api/v1/feedback",
            json={"description": INQUIRY.format(n=at.isoformat()), "customer": {"name": "Guest"}},
            headers=admin.headers,
        )
        assert r.status_code == 201, r.text
        drain()
        fid = r.json()["id"]
        r = client.post(
            f"/api/v1/feedback/{fid}/assignment",
            json={"department_id": department, "assignee_id": agents[agent].user_id},
            headers=admin.headers,
        )
        assert r.status_code == 200, r.text
        assert r.json()["commitment"] == "其他反馈"
        return fid

    monday = local(2026, 11, 2, 9, 0)
    a, b, c, d = (case(monday, i, dep) for i, dep in ((0, front), (0, front), (1, front), (2, eng)))
    e = case(local(2026, 11, 2, 11, 0), 2, eng)  # due Tuesday 11:00
    clock.now = local(2026, 11, 2, 10, 0)
    assert client.post(
        f"/api/v1/feedback/{a}/replies", json={"text": "7点"}, headers=admin.headers
    ).is_success
    for step in ("in_progress", "resolved"):
        r = client.post(f"/api/v1/feedback/{d}/transitions", json={"to": step}, headers=admin.headers)
        assert r.status_code == 200, r.text
    clock.now = local(2026, 11, 3, 10, 0)  # Tuesday: b and c missed Monday 18:00; e has an hour
    sweep_commitments()
    return admin, manager, agents, (a, b, c, d, e)


def test_breaches_risks_compliance_and_load_match_a_hand_count(client, clock):
    admin, _, agents, (a, b, c, d, e) = setup_cases(client, clock)
    with session_scope() as db:
        sla = overview.get(db=db, org_id=admin.org_id, days=30)

    monday_close = local(2026, 11, 2, 18, 0)
    assert [(x.feedback_id, x.owner_id, x.department.en, x.commitment.en, x.step) for x in sla.breached] == [
        (b, agents[0].user_id, "Front Office", "All other feedback", "response"),
        (c, agents[1].user_id, "Front Office", "All other feedback", "response"),
    ]
    assert {x.deadline for x in sla.breached} == {monday_close}
    assert {x.span for x in sla.breached} == {timedelta(hours=16)}
    assert [(x.feedback_id, x.department.zh, x.deadline, x.span) for x in sla.at_risk] == [
        (e, "工程部", local(2026, 11, 3, 11, 0), timedelta(hours=1))
    ]

    # Response and resolution deadlines due: a met, b and c breached, d met twice (e not yet due).
    assert [(r.name.en, r.kept, r.due, r.rate) for r in sla.by_commitment] == [
        ("All other feedback", 3, 5, 0.6)
    ]
    assert (sla.total.kept, sla.total.due) == (3, 5)
    assert [(r.name.en, r.kept, r.due) for r in sla.by_department] == [
        ("Front Office", 1, 3),
        ("Engineering", 2, 2),
    ]

    # Agent 1 holds a and b (b breached), agent 2 holds c (breached), agent 3 holds e (d is done).
    assert [(p.user_id, p.open, p.at_risk, p.breached, p.missed, p.overloaded) for p in sla.people] == [
        (agents[0].user_id, 2, 0, 1, 1, True),
        (agents[1].user_id, 1, 0, 1, 1, True),
        (agents[2].user_id, 1, 1, 0, 0, False),
    ]


def test_the_sla_page_shows_a_manager_the_breaches_in_both_languages_and_refuses_an_agent(client, clock):
    _, manager, agents, _ = setup_cases(client, clock)
    login(client, manager.email)
    en = client.get("/reports/sla", headers=EN)
    assert en.status_code == 200
    assert "Breached (2)" in en.text and "At risk (1)" in en.text
    assert "Front Office" in en.text and "33%" in en.text and "60%" in en.text
    # each rate with Wilson's interval: 3 of 5 is 23-88 % (statsmodels' proportion_confint)
    assert "60% <small>(3 / 5; 95% interval 23–88%)</small>" in en.text
    assert "33% <small>(1 / 3; 95% interval 6–79%)</small>" in en.text
    assert "11/2/26, 6:00" in en.text and "16 h 0 min" in en.text  # Shanghai time, not UTC
    assert 'href="/reports/sla"' in en.text
    zh = client.get("/reports/sla", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200
    assert "已违约（2）" in zh.text and "前厅部" in zh.text and "16 小时 0 分" in zh.text

    client.post("/logout")
    client.cookies.clear()
    login(client, agents[0].email)
    assert client.get("/reports/sla", headers=EN).status_code == 403
