"""The demo organization's triage and routing rules send each scenario's case where
SCENARIOS.md says: S1's broken air conditioner to Engineering, S2's wrong charge to Front
Office (not the Customer Service Center), S3's late check-out suggestion to Front Office, S5's
breakfast queues to Food & Beverage, S8's request for her data to the Customer Service Center.
S4, S6, S7 and S9 open no case of their own (S7's imported history is routed by these rules)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from voxloop import demo
from voxloop.accounts.models import Department, Organization
from voxloop.audit.service import Actor
from voxloop.commitments import service as commitments
from voxloop.common.time import utcnow
from voxloop.customers.service import Contact
from voxloop.db import session_scope
from voxloop.feedback import flows
from voxloop.feedback.models import Feedback
from voxloop.feedback.service import Draft
from voxloop.jobs.executor import drain

GUEST_ZH = Contact(name="王女士", email="wang@example.cn", phone=None, locale="zh_CN")
GUEST_EN = Contact(name="Emily Clark", email="emily@example.com", phone=None, locale="en")
# (scenario, channel, text, guest, the department SCENARIOS.md sends it to)
CASES = [
    ("S1", "web_form", "1203房间的空调从昨晚就坏了，一直没人来修。", GUEST_ZH, "工程部"),
    (
        "S2",
        "hotline",
        "Guest called about a wrong charge on her bill: the room was charged twice at check-out "
        "and she wants the extra charge refunded.",
        GUEST_EN,
        "前厅部",
    ),
    ("S2", "hotline", "客人来电：退房结账时房费被多扣了一晚，要求退还多收的钱。", GUEST_ZH, "前厅部"),
    ("S3", "email", "建议为会员增加延迟退房服务，最好能延到下午两点。", GUEST_ZH, "前厅部"),
    ("S3", "email", "Please add late check-out for members, until 2 pm would be great.", GUEST_EN, "前厅部"),
    ("S5", "web_form", "早餐排队等了四十分钟，取餐的人太多了，座位也不够。", GUEST_ZH, "餐饮部"),
    ("S5", "web_form", "We waited 40 minutes in the queue for breakfast this morning.", GUEST_EN, "餐饮部"),
    ("S8", "email", "请把你们保存的我的全部个人信息发给我，然后删除我的个人数据。", GUEST_ZH, "客服中心"),
    (
        "S8",
        "email",
        "Please send me a copy of all the personal data you hold about me, then delete it.",
        GUEST_EN,
        "客服中心",
    ),
]


@pytest.fixture
def cloudhill():  # type: ignore[no-untyped-def]
    with session_scope() as db:
        org = demo.create_organization(db)
        db.commit()
        return org.id


def test_each_scenarios_case_lands_in_the_department_the_scenario_names(client, smtp, cloudhill):
    with session_scope() as db:
        org = db.get(Organization, cloudhill)
        drafts = [
            Draft(
                channel=channel,
                description=text,
                received_at=utcnow() - timedelta(minutes=5),
                contact=guest,
                branch="杭州西湖店",
            )
            for _, channel, text, guest, _ in CASES
        ]
        created = flows.receive(db=db, org=org, actor=Actor(label="test"), drafts=drafts)
        db.commit()
    drain()  # triage, then routing
    with session_scope() as db:
        names = {d.id: d.name for d in db.scalars(select(Department).where(Department.org_id == cloudhill))}
        records = list(db.scalars(select(Feedback).where(Feedback.org_id == cloudhill)))
        landed = {r.tracking_code: names.get(r.department_id or 0) for r in records}
        heads = [d.head_id for d in db.scalars(select(Department).where(Department.org_id == cloudhill))]
    got = [
        (scenario, text[:30], landed[c.tracking_code])
        for (scenario, _, text, _, _), c in zip(CASES, created, strict=True)
    ]
    assert got == [(scenario, text[:30], dept) for scenario, _, text, _, dept in CASES]
    # Every department has someone to take its cases and a head to hear of broken commitments.
    assert all(r.assignee_id for r in records) and all(heads)


def test_a_broken_complaint_commitment_owes_an_apology_a_voucher_and_a_call_back(cloudhill):
    """S2 step 3: the breach opens the service remedies the scenario lists."""
    with session_scope() as db:
        owed = {c.name: c.remedies for c in commitments.list_commitments(db=db, org_id=cloudhill)}
    assert owed["投诉"] == ["apology", "voucher", "callback"]


def test_the_demo_publishes_the_scenarios_time_limits(cloudhill):
    """S1: an urgent issue (P1 or P2) is answered within 2 hours; S2: a complaint is resolved
    within 4 working hours."""
    with session_scope() as db:
        found = {c.name: c for c in commitments.list_commitments(db=db, org_id=cloudhill)}
    urgent, complaint = found["紧急问题"], found["投诉"]
    assert (urgent.match, urgent.first_response_minutes) == ({"priority": [1, 2]}, 120)
    assert (complaint.match, complaint.resolution_minutes) == ({"type": ["complaint"]}, 240)
