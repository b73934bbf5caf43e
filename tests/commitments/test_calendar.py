"""Working-time arithmetic on calendars: weekends, China's public holidays and make-up working
days (调休) from the `holidays` package, the organization's own days, and calendar versions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from voxloop.commitments import calendar

SH = ZoneInfo("Asia/Shanghai")
CN_OFFICE = calendar.Rules("Asia/Shanghai", dict(calendar.OFFICE_HOURS), country="CN")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def axis(rules: calendar.Rules = CN_OFFICE) -> calendar.WorkingTime:
    return calendar.WorkingTime([calendar.first_version(rules)])


def test_four_working_hours_from_friday_afternoon_end_on_monday_morning():
    assert axis().add(at(2026, 11, 27, 17, 0), 4 * 3600) == at(2026, 11, 30, 12, 0)


def test_lunch_break_is_not_working_time():
    assert axis().add(at(2026, 11, 26, 11, 30), 3600) == at(2026, 11, 26, 13, 30)


def test_national_day_is_skipped_and_the_make_up_saturday_is_worked():
    # 2026: 1-7 October off; Saturday 10 October and Sunday 20 September are working days.
    w = axis()
    assert w.add(at(2026, 9, 30, 16, 0), 4 * 3600) == at(2026, 10, 8, 11, 0)
    assert w.add(at(2026, 9, 30, 16, 0), 24 * 3600) == at(2026, 10, 10, 16, 0)
    assert w.add(at(2026, 9, 18, 17, 0), 2 * 3600) == at(2026, 9, 20, 10, 0)
    assert w.between(at(2026, 10, 1, 9, 0), at(2026, 10, 7, 18, 0)) == 0


def test_without_a_country_only_the_weekly_hours_count():
    plain = axis(calendar.Rules("Asia/Shanghai", dict(calendar.OFFICE_HOURS)))
    assert plain.add(at(2026, 9, 30, 16, 0), 4 * 3600) == at(2026, 10, 1, 11, 0)


def test_the_organizations_own_days_off_and_extra_days():
    from datetime import date

    own = calendar.Rules(
        "Asia/Shanghai",
        dict(calendar.OFFICE_HOURS),
        extra_holidays=(date(2026, 11, 30),),
        extra_workdays=(date(2026, 11, 28),),
    )
    # Friday 17:00 + 4 h: one hour Friday, three on the extra Saturday; Monday is off.
    assert axis(own).add(at(2026, 11, 27, 17, 0), 4 * 3600) == at(2026, 11, 28, 12, 0)
    assert axis(own).add(at(2026, 11, 27, 17, 0), 12 * 3600) == at(2026, 12, 1, 12, 0)


def test_a_deadline_at_the_end_of_the_day_is_that_evening_not_next_morning():
    assert axis().add(at(2026, 11, 26, 16, 0), 2 * 3600) == at(2026, 11, 26, 18, 0)


def test_daylight_saving_time_is_respected():
    london = calendar.Rules("Europe/London", dict(calendar.ALWAYS))
    # 29 March 2026: clocks go forward at 01:00 UTC; a day that long has only 23 hours.
    w = axis(london)
    lon = ZoneInfo("Europe/London")
    assert (
        w.between(datetime(2026, 3, 29, 0, 0, tzinfo=lon), datetime(2026, 3, 30, 0, 0, tzinfo=lon))
        == 23 * 3600
    )


def test_a_new_version_changes_deadlines_from_its_origin_on_only():
    first = axis()
    saved = at(2026, 11, 26, 12, 0)
    longer = calendar.Rules(
        "Asia/Shanghai", {d: [("08:00", "20:00")] for d in calendar.WEEKDAYS[:5]}, country="CN"
    )
    both = calendar.WorkingTime(
        [calendar.first_version(CN_OFFICE), calendar.next_version(first, longer, saved)]
    )
    # The past keeps its working time...
    assert both.between(at(2026, 11, 25, 9, 0), at(2026, 11, 25, 18, 0)) == 8 * 3600
    # ...the axis is continuous at the change, and a deadline stored as a point on it now falls
    # under the new hours (eight hours from 12:00 to 20:00, then from 08:00 Friday).
    point = first.work(saved) + 10 * 3600
    assert both.wall(point) == at(2026, 11, 27, 10, 0)
    assert first.wall(point) == at(2026, 11, 27, 15, 0)


def test_vectorised_and_scalar_answers_agree():
    w = axis()
    starts = np.array([int(at(2026, 9, d, 10, 0).timestamp()) for d in range(14, 30)])
    dues = w.wall_at(w.work_at(starts) + 8 * 3600)
    for start, due in zip(starts.tolist(), dues.tolist(), strict=True):
        assert w.add(datetime.fromtimestamp(start, SH), 8 * 3600).timestamp() == due


def test_settings_are_checked_with_reasons():
    errors = calendar.check({"time_zone": "Mars/Base", "hours": {"mon": [["18:00", "09:00"]], "xyz": []}})
    fields = {e["field"]: e["reason"] for e in errors}
    assert "unknown time zone" in fields["time_zone"]
    assert fields["hours.mon[0]"] == "must end after it starts"
    assert "unknown weekday" in fields["hours.xyz"]
    empty = calendar.check({"time_zone": "Asia/Shanghai", "hours": {"mon": [], "sat": []}})
    assert empty == [{"field": "hours", "reason": "a calendar needs working hours on at least one weekday"}]
    overlap = calendar.check({"time_zone": "UTC", "hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}})
    assert overlap[0]["reason"] == "overlaps the interval before it"
    assert (
        calendar.check({"time_zone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}, "country": "XX"})[0][
            "field"
        ]
        == "country"
    )
