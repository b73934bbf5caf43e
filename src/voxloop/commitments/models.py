"""Working calendars, service commitments (SLA policies), the clocks that measure each case
against them, and the service remedies owed when a commitment is broken."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Calendar(TenantMixin, Base):
    __tablename__ = "calendars"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The rules in force now (the latest version's), as calendar.Rules.as_json() gives them.
    rules: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarVersion(TenantMixin, Base):
    """The rules a calendar had from `origin` on, and where its working-time axis stood then."""

    __tablename__ = "calendar_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"), index=True)
    origin: Mapped[int] = mapped_column(BigInteger)  # UTC epoch seconds
    origin_work: Mapped[int] = mapped_column(BigInteger)
    rules: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Commitment(TenantMixin, Base):
    """A service commitment: for records matching channel x type x priority, the working time
    allowed for each step, on a calendar. The first matching commitment (by position) applies."""

    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="RESTRICT"))
    # {"channel": [...], "type": [...], "priority": [...]}; a missing or empty list matches all
    match: Mapped[dict[str, Any]]
    # Minutes of working time per step; None = no commitment for that step.
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    dispatch_minutes: Mapped[int | None]
    handling_minutes: Mapped[int | None]
    warn_percent: Mapped[int] = mapped_column(default=80)  # warn when this share of a limit is used
    # What a broken commitment owes the customer, each proposed once per case (remedies.KINDS).
    # No Python default: migration 0003 seeds commitments with the tables of its time.
    remedies: Mapped[list[str]] = mapped_column(server_default="[]")
    is_public: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseClock(TenantMixin, Base):
    """One row per case under a commitment. Deadlines are points on the calendar's working-time
    axis (see calendar.py); `next_due` and `warn_at` are what the sweep looks for."""

    __tablename__ = "case_clocks"
    __table_args__ = (
        Index("ix_case_clocks_due", "calendar_id", "next_due"),
        Index("ix_case_clocks_warn", "calendar_id", "warn_at"),
    )

    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    started_work: Mapped[int] = mapped_column(BigInteger)
    paused_work: Mapped[int | None] = mapped_column(BigInteger)  # set while waiting for the customer
    # Per step: the deadline on the axis, and its state: pending | warned | met | breached | late
    response_due: Mapped[int | None] = mapped_column(BigInteger)
    response_state: Mapped[str | None] = mapped_column(String(10))
    resolution_due: Mapped[int | None] = mapped_column(BigInteger)
    resolution_state: Mapped[str | None] = mapped_column(String(10))
    dispatch_due: Mapped[int | None] = mapped_column(BigInteger)
    dispatch_state: Mapped[str | None] = mapped_column(String(10))
    handling_due: Mapped[int | None] = mapped_column(BigInteger)
    handling_state: Mapped[str | None] = mapped_column(String(10))
    next_due: Mapped[int | None] = mapped_column(BigInteger)  # earliest pending or warned deadline
    warn_at: Mapped[int | None] = mapped_column(BigInteger)  # earliest warning not yet given
    escalation: Mapped[int] = mapped_column(default=0)  # 0 none, 1 department head, 2 managers


class Remedy(TenantMixin, Base):
    """What the organization owes a customer after a broken commitment, and how it went."""

    __tablename__ = "remedies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(16))  # which deadline was missed
    kind: Mapped[str] = mapped_column(String(24))  # remedies.KINDS
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    amount: Mapped[str | None] = mapped_column(String(40))  # what was given: a sum, a voucher
    note: Mapped[str] = mapped_column(Text, default="")  # internal
    message: Mapped[str] = mapped_column(Text, default="", server_default="")  # to the customer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
