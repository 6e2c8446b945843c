from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db, utcnow


class AuditEntry(db.Model):
    """One change to one row: who, when, what, and the values before and after.

    Written by the session's flush hook (eventhub.audit.recorder) on the same connection
    and transaction as the change itself, so there is no change without its entry. No API
    route writes or deletes these rows.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "table_name", "object_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"),
                                    primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(254))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str] = mapped_column(String(80))
    edition_id: Mapped[int | None] = mapped_column(index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class RateLimitBucket(db.Model):
    """Requests counted per key (e.g. login by client address) in a window opened by the
    key's first request, shared by every app process through the database."""

    __tablename__ = "rate_limit_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime]
    hits: Mapped[int]
