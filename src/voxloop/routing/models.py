"""Routing rules: which department, and how an owner is picked among its members."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class RoutingRule(TenantMixin, Base):
    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    # Conditions, all of which must hold; see routing.rules.CONDITIONS.
    match: Mapped[dict[str, Any]]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    strategy: Mapped[str] = mapped_column(String(16), default="round_robin")  # or least_loaded
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
