"""Working calendars and the working-time axis. Pure: no database.

A calendar says when an organization works: hours per weekday in its time zone, the public
holidays of a country (and the make-up working days, 调休, that China moves onto weekends),
both taken from the maintained `holidays` package, plus days the organization adds itself.

Deadlines are measured on the calendar's *working-time axis*: the number of working seconds
since 2020-01-01. "Respond within 4 working hours" is `work_at(received) + 4 * 3600` on that
axis, and `wall_at` turns it back into a UTC instant. A calendar edit adds a *version* that
takes effect from the moment it is saved, continuing the axis where the previous version left
it; deadlines already stored on the axis then move to the new working hours by themselves,
without rewriting a row.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import holidays
import numpy as np
import numpy.typing as npt

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EPOCH = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
HORIZON_DAYS = 3 * 366  # how far past "now" an axis is built before it is extended
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")

Int64s = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Rules:
    """One version of a calendar's rules."""

    time_zone: str
    # weekday ("mon".."sun") -> working intervals as ("09:00", "18:00"); a day without is off
    hours: dict[str, list[tuple[str, str]]]
    country: str | None = None  # ISO 3166 code for public holidays and make-up days, e.g. "CN"
    subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()  # the organization's own days off
    extra_workdays: tuple[date, ...] = ()  # the organization's own extra working days

    def as_json(self) -> dict[str, Any]:
        return {
            "time_zone": self.time_zone,
            "hours": {d: [list(p) for p in spans] for d, spans in self.hours.items()},
            "country": self.country,
            "subdivision": self.subdivision,
            "extra_holidays": [d.isoformat() for d in self.extra_holidays],
            "extra_workdays": [d.isoformat() for d in self.extra_workdays],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Rules":
        return cls(
            time_zone=data["time_zone"],
            hours={d: [(a, b) for a, b in spans] for d, spans in data["hours"].items()},
            country=data.get("country"),
            subdivision=data.get("subdivision"),
            extra_holidays=tuple(date.fromisoformat(d) for d in data.get("extra_holidays", [])),
            extra_workdays=tuple(date.fromisoformat(d) for d in data.get("extra_workdays", [])),
        )


OFFICE_HOURS = {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in WEEKDAYS[:5]}
ALWAYS = {d: [("00:00", "24:00")] for d in WEEKDAYS}


def check(data: dict[str, Any]) -> list[dict[str, str]]:
    """What is wrong with calendar settings, as field errors (empty when they are usable)."""
    errors: list[dict[str, str]] = []
    tz = data.get("time_zone")
    if not isinstance(tz, str) or tz not in _zones():
        errors.append({"field": "time_zone", "reason": f"unknown time zone {tz!r} (use an IANA name)"})
    hours = data.get("hours")
    if not isinstance(hours, dict):
        return [*errors, {"field": "hours", "reason": "must map weekdays to lists of [start, end]"}]
    total = 0
    for day, spans in hours.items():
        problems, minutes = _day(day, spans)
        errors += problems
        total += minutes
    if not errors and total == 0:
        errors.append({"field": "hours", "reason": "a calendar needs working hours on at least one weekday"})
    return errors + _region(data) + _extra_days(data)


def _day(day: Any, spans: Any) -> tuple[list[dict[str, str]], int]:
    """The problems of one weekday's working hours, and its working minutes."""
    where = f"hours.{day}"
    if day not in WEEKDAYS:
        return [{"field": where, "reason": f"unknown weekday; use {', '.join(WEEKDAYS)}"}], 0
    if not isinstance(spans, list):
        return [{"field": where, "reason": "must be a list of [start, end]"}], 0
    errors: list[dict[str, str]] = []
    total = 0
    last_end = -1
    for i, span in enumerate(spans):
        reason = _span_problem(span)
        if reason is None:
            start, end = (_minutes(x) for x in span)
            if end <= start:
                reason = "must end after it starts"
            elif start < last_end:
                reason = "overlaps the interval before it"
            else:
                total += end - start
                last_end = end
        if reason is not None:
            errors.append({"field": f"{where}[{i}]", "reason": reason})
    return errors, total


def _span_problem(span: Any) -> str | None:
    if not (isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(x, str) for x in span)):
        return 'must be ["HH:MM", "HH:MM"]'
    if not all(_HHMM.match(x) for x in span):
        return "times must be HH:MM between 00:00 and 24:00"
    return None


def _region(data: dict[str, Any]) -> list[dict[str, str]]:
    """The problems of the country and subdivision whose public holidays apply."""
    country = data.get("country")
    if not country:
        return []
    supported = holidays.list_supported_countries()
    if country not in supported:
        return [{"field": "country", "reason": f"no public-holiday data for {country!r}"}]
    if data.get("subdivision") and data["subdivision"] not in supported[country]:
        return [{"field": "subdivision", "reason": f"unknown subdivision of {country}"}]
    return []


def _extra_days(data: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    for key in ("extra_holidays", "extra_workdays"):
        for i, value in enumerate(data.get(key) or []):
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                errors.append({"field": f"{key}[{i}]", "reason": "must be a date, YYYY-MM-DD"})
    return errors


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@dataclass
class _Days:
    """Which local dates are days off or make-up working days under one set of rules."""

    rules: Rules
    _country: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.rules.country:
            self._country = holidays.country_holidays(self.rules.country, subdiv=self.rules.subdivision)

    def spans(self, day: date) -> list[tuple[str, str]]:
        r = self.rules
        if day in r.extra_workdays:
            return self._workday_hours()
        if day in r.extra_holidays:
            return []
        if self._country is not None:
            if day in self._country:  # a public holiday (loads that year on first use)
                return []
            if day in self._country.weekend_workdays:  # 调休: a weekend day worked instead
                return self._workday_hours()
        return r.hours.get(WEEKDAYS[day.weekday()], [])

    def _workday_hours(self) -> list[tuple[str, str]]:
        for d in WEEKDAYS[:5]:
            if self.rules.hours.get(d):
                return self.rules.hours[d]
        return next((h for h in self.rules.hours.values() if h), [])


@dataclass(frozen=True)
class Version:
    origin: int  # UTC epoch seconds from which these rules apply
    origin_work: int  # the axis value at `origin`
    rules: Rules


class WorkingTime:
    """The working-time axis of one calendar across its versions."""

    def __init__(self, versions: Sequence[Version]) -> None:
        if not versions:
            raise ValueError("a calendar has at least one version")
        self.versions = sorted(versions, key=lambda v: v.origin)
        self._built_until = 0
        self._starts: Int64s = np.zeros(0, dtype=np.int64)
        self._lengths: Int64s = np.zeros(0, dtype=np.int64)
        self._cum: Int64s = np.zeros(0, dtype=np.int64)  # axis value at each interval's start
        self._build(int(datetime.now(UTC).timestamp()) + HORIZON_DAYS * 86400)

    # -- scalar helpers ---------------------------------------------------------------------

    def work(self, at: datetime) -> int:
        return int(self.work_at(np.array([_epoch(at)], dtype=np.int64))[0])

    def wall(self, work: int) -> datetime:
        return datetime.fromtimestamp(int(self.wall_at(np.array([work], dtype=np.int64))[0]), UTC)

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant `seconds` of working time after `start`."""
        return self.wall(self.work(start) + seconds)

    def between(self, start: datetime, end: datetime) -> int:
        """Working seconds from `start` to `end`."""
        return self.work(end) - self.work(start)

    # -- vectorised -------------------------------------------------------------------------

    def work_at(self, epochs: Int64s) -> Int64s:
        """Axis values of UTC epoch seconds (instants before 2020 count as 2020)."""
        if len(epochs) and int(epochs.max()) >= self._built_until:
            self._build(int(epochs.max()) + HORIZON_DAYS * 86400)
        i = np.searchsorted(self._starts, epochs, side="right") - 1
        inside = np.clip(epochs - self._starts[np.maximum(i, 0)], 0, self._lengths[np.maximum(i, 0)])
        return np.where(i < 0, 0, self._cum[np.maximum(i, 0)] + inside)

    def wall_at(self, works: Int64s) -> Int64s:
        """UTC epoch seconds of axis values; a value at the end of a working interval is that
        end (due "by 18:00"), not the start of the next one."""
        while len(works) and int(works.max()) > int(self._cum[-1] + self._lengths[-1]):
            self._build(self._built_until + HORIZON_DAYS * 86400)
        ends = self._cum + self._lengths
        j = np.searchsorted(ends, works, side="left")
        j = np.minimum(j, len(ends) - 1)
        walls: Int64s = self._starts[j] + np.maximum(works - self._cum[j], 0)
        return walls

    # -- building ---------------------------------------------------------------------------

    def _build(self, until: int) -> None:
        starts: list[int] = []
        lengths: list[int] = []
        cums: list[int] = []
        for k, version in enumerate(self.versions):
            end = self.versions[k + 1].origin if k + 1 < len(self.versions) else until
            work = version.origin_work
            for a, b in _intervals(version.rules, max(version.origin, EPOCH), end):
                starts.append(a)
                lengths.append(b - a)
                cums.append(work)
                work += b - a
        if not starts:
            raise ValueError("a calendar without working time")
        self._starts = np.array(starts, dtype=np.int64)
        self._lengths = np.array(lengths, dtype=np.int64)
        self._cum = np.array(cums, dtype=np.int64)
        self._built_until = until


def _intervals(rules: Rules, start: int, end: int) -> list[tuple[int, int]]:
    """Working intervals [a, b) in UTC epoch seconds, clipped to [start, end)."""
    if end <= start:
        return []
    tz = ZoneInfo(rules.time_zone)
    days = _Days(rules)
    out = []
    day = datetime.fromtimestamp(start, tz).date()
    last = datetime.fromtimestamp(end, tz).date()
    while day <= last:
        for a, b in days.spans(day):
            lo = _local_epoch(day, a, tz)
            hi = _local_epoch(day, b, tz)
            lo, hi = max(lo, start), min(hi, end)
            if hi > lo:
                out.append((lo, hi))
        day += timedelta(days=1)
    return out


def _local_epoch(day: date, hhmm: str, tz: ZoneInfo) -> int:
    if hhmm == "24:00":
        return int(datetime.combine(day + timedelta(days=1), time(0), tz).timestamp())
    h, m = hhmm.split(":")
    return int(datetime.combine(day, time(int(h), int(m)), tz).timestamp())


def _epoch(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return int(at.timestamp())


def first_version(rules: Rules) -> Version:
    return Version(origin=EPOCH, origin_work=0, rules=rules)


def next_version(current: WorkingTime, rules: Rules, at: datetime) -> Version:
    """The version a calendar edit saved at `at` adds: it continues the axis from there."""
    return Version(origin=_epoch(at), origin_work=current.work(at), rules=rules)
