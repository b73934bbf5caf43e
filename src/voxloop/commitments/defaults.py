"""The calendar and commitments every new organization starts with (editable afterwards)."""

from typing import Any

from sqlalchemy import Connection, insert, inspect

from voxloop.commitments import calendar
from voxloop.commitments.models import Calendar, CalendarVersion, Commitment
from voxloop.db import utcnow

# Time zones whose country's public holidays a new organization's calendar takes by default.
COUNTRY_OF_ZONE = {
    "Asia/Shanghai": "CN",
    "Asia/Chongqing": "CN",
    "Asia/Urumqi": "CN",
    "Asia/Hong_Kong": "HK",
    "Asia/Taipei": "TW",
    "Asia/Singapore": "SG",
    "Europe/London": "GB",
    "America/New_York": "US",
}

# (zh name, en name, match, minutes: first response, next response, resolution, dispatch,
#  handling, remedies, public)
DEFAULT_COMMITMENTS: list[tuple[str, str, dict[str, Any], dict[str, int | None], list[str], bool]] = [
    (
        "紧急问题",
        "Urgent issues",
        {"priority": [1]},
        {"first_response": 60, "next_response": 60, "resolution": 480, "dispatch": 30, "handling": 420},
        ["apology"],
        True,
    ),
    (
        "投诉",
        "Complaints",
        {"type": ["complaint"]},
        {"first_response": 240, "next_response": 240, "resolution": 1440, "dispatch": 60, "handling": 1200},
        ["apology"],
        True,
    ),
    (
        "其他反馈",
        "All other feedback",
        {},
        {"first_response": 480, "next_response": 480, "resolution": 2400, "dispatch": None, "handling": None},
        [],
        True,
    ),
]


def default_rules(time_zone: str) -> calendar.Rules:
    return calendar.Rules(
        time_zone=time_zone, hours=dict(calendar.OFFICE_HOURS), country=COUNTRY_OF_ZONE.get(time_zone)
    )


def seed_core(conn: Connection, org_id: int, time_zone: str) -> None:
    """Insert the default calendar and commitments with Core, so migrations can use it too."""
    now = utcnow()
    rules = default_rules(time_zone)
    version = calendar.first_version(rules)
    cal_id = conn.execute(
        insert(Calendar.__table__)
        .values(org_id=org_id, name="Office hours", rules=rules.as_json(), created_at=now, updated_at=now)
        .returning(Calendar.__table__.c.id)
    ).scalar_one()
    conn.execute(
        insert(CalendarVersion.__table__).values(
            org_id=org_id,
            calendar_id=cal_id,
            origin=version.origin,
            origin_work=version.origin_work,
            rules=rules.as_json(),
            created_by="voxloop",
        )
    )
    # Migration 0003 seeds organizations of its time, before commitments named their remedies.
    has_remedies = "remedies" in {c["name"] for c in inspect(conn).get_columns("commitments")}
    for position, (zh, en, match, minutes, kinds, public) in enumerate(DEFAULT_COMMITMENTS):
        conn.execute(
            insert(Commitment.__table__).values(
                org_id=org_id,
                position=position,
                name=zh,
                name_en=en,
                description="",
                calendar_id=cal_id,
                match=match,
                first_response_minutes=minutes["first_response"],
                next_response_minutes=minutes["next_response"],
                resolution_minutes=minutes["resolution"],
                dispatch_minutes=minutes["dispatch"],
                handling_minutes=minutes["handling"],
                warn_percent=80,
                **({"remedies": kinds} if has_remedies else {}),
                is_public=public,
                is_active=True,
                created_at=now,
            )
        )
