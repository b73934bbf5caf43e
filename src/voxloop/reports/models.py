"""Reports sent by email on a schedule."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class ReportSchedule(TenantMixin, Base):
    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # scorecard | improvement
    format: Mapped[str] = mapped_column(String(8))  # pdf | xlsx
    locale: Mapped[str] = mapped_column(String(8))  # zh_CN | en
    frequency: Mapped[str] = mapped_column(String(8))  # weekly | monthly
    recipients: Mapped[list[str]]
    last_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
