"""Themes found in a period's feedback, the records behind each, and the alerts they raise."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class ThemeRun(TenantMixin, Base):
    """One discovery over [period_start, period_end), compared with `periods` periods before."""

    __tablename__ = "theme_runs"
    __table_args__ = (Index("ix_theme_runs_org_created", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    periods: Mapped[int] = mapped_column(default=4)
    records: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Theme(TenantMixin, Base):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("theme_runs.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    terms: Mapped[list[str]]
    size: Mapped[int]
    customers: Mapped[int]
    branches: Mapped[int]
    baseline: Mapped[float | None]
    p_rise: Mapped[float | None]
    scope: Mapped[str] = mapped_column(String(16))  # common | individual
    reasons: Mapped[list[str]]
    # records per period, oldest first, the current period last
    trend: Mapped[list[int]]
    example_ids: Mapped[list[int]]


class ThemeMember(TenantMixin, Base):
    __tablename__ = "theme_members"

    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True)


class Alert(TenantMixin, Base):
    """Something a manager should look at now: an emerging common problem, ..."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_org_created", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
