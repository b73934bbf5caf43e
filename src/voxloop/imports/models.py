"""Saved column mappings per source (a review platform, an app store, a hotline system), and
the record of every import with its per-row report."""

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxloop.db import Base, BigId, TenantMixin, utcnow


class ImportSource(TenantMixin, Base):
    __tablename__ = "import_sources"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # field -> column of the file
    mapping: Mapped[dict[str, Any]]
    # field -> value used for every row (channel "app_store", branch "西湖店", ...)
    defaults: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportRun(TenantMixin, Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(String(100))
    dry_run: Mapped[bool]
    rows: Mapped[int]
    created: Mapped[int]
    duplicates: Mapped[int]
    failed: Mapped[int]
    # the rows refused, with the field and the reason (the first 1,000)
    problems: Mapped[list[dict[str, Any]]]
    by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "running" while an import from the web is written in the background, then "done" (or
    # "failed", its reason in `problems`); `position`: the rows of the file handled so far,
    # saved with each batch written, so a restarted import goes on from there.
    status: Mapped[str] = mapped_column(String(16), default="done", server_default="done")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
