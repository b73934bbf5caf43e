"""Improvement initiatives (持续改进): a SMART goal on an indicator, actions that change the
service process, linked feedback, and the evaluation that gives a verdict."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Initiative(TenantMixin, Base):
    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    origin_kind: Mapped[str] = mapped_column(String(16))  # alert | theme | category | touchpoint | manual
    origin_ref: Mapped[str | None] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(24))
    filters: Mapped[dict[str, Any]]
    # for the "mention_share" metric and the recurrence watch: the theme's words
    terms: Mapped[list[str]]
    direction: Mapped[str] = mapped_column(String(8))  # decrease | increase
    baseline_days: Mapped[int]
    baseline_value: Mapped[float | None]
    baseline_n: Mapped[int]
    target_value: Mapped[float]
    started_at: Mapped[datetime]
    deadline: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    verdict: Mapped[str | None] = mapped_column(String(24))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InitiativeAction(TenantMixin, Base):
    __tablename__ = "initiative_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # the step of the service process the action changes (intake, dispatch, handling, ...)
    process_step: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="todo")  # todo | doing | done
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InitiativeLink(TenantMixin, Base):
    __tablename__ = "initiative_links"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True)
