"""The taxonomy, triage rules, and the corrections agents make (kept as training labels)."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class Category(TenantMixin, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("org_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)


class TriageRule(TenantMixin, Base):
    __tablename__ = "triage_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    match: Mapped[dict[str, Any]]
    sets: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TriageLabel(TenantMixin, Base):
    """A human correction of one field: what the machine said, what the person said."""

    __tablename__ = "triage_labels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(24))
    previous: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(12_000))
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class VocabularyName(TenantMixin, Base):
    """An organization's own name for a value of a fixed vocabulary (a type, a severity or
    urgency level, a scope): the value itself, which rules and commitments use, never changes."""

    __tablename__ = "vocabulary_names"
    __table_args__ = (UniqueConstraint("org_id", "field", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    field: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")


class PriorityMatrix(TenantMixin, Base):
    """An organization's own priority matrix ("severity,urgency" -> 1..4); without one the
    default of triage.rules applies."""

    __tablename__ = "priority_matrices"
    __table_args__ = (UniqueConstraint("org_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cells: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
