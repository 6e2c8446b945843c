from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.auth.models import enum_column
from eventhub.extensions import db, utcnow


class StatementKind(enum.StrEnum):
    CHAIRS_STATEMENT = "chairs_statement"
    JOINT_DECLARATION = "joint_declaration"
    SUMMARY = "summary"


class StatementStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"


class Statement(db.Model):
    """An outcome document of an edition in one language. Its text lives in immutable
    revisions; the latest revision is the current text, the published one is public."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[StatementKind] = mapped_column(enum_column(StatementKind, "statement_kind"))
    # Mirrors the current revision's title, for lists.
    title: Mapped[str] = mapped_column(Text)
    dateline: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    # Language versions of one statement point at the version they were made from.
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL"), index=True)
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "statement_status"), default=StatementStatus.DRAFT)
    # The user whose approval the chair requires; None: an admin approves.
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_revision: Mapped[int | None]
    published_revision: Mapped[int | None]
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    revisions: Mapped[list[StatementRevision]] = relationship(
        back_populates="statement", order_by="StatementRevision.number",
        cascade="all, delete-orphan")


class StatementRevision(db.Model):
    """One saved state of a statement; never changed after it is written.

    content = {"title": str, "dateline": str | None,
               "sections": [{"key": str, "paragraphs": [str, ...]}, ...]}
    Section keys are stable across revisions, so edits, merges, comments and diffs follow
    a section wherever it moves; its number (roman, or 一、二 in a Chinese statement) is
    derived from its place.
    """

    __tablename__ = "statement_revisions"
    __table_args__ = (UniqueConstraint("statement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(254))
    # A published correction carries a note the public sees.
    is_published: Mapped[bool] = mapped_column(default=False)
    # What the secretariat confirmed when it published this text over an open fact-check
    # mismatch or a lower coverage than the English version's: {"mismatches": [...],
    # "lower_coverage": {...}, "reason", "confirmed_by", "confirmed_at"}; None when the
    # check asked for nothing.
    publication_confirmation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    statement: Mapped[Statement] = relationship(back_populates="revisions")


class StatementComment(db.Model):
    """A review comment anchored to a section (by key), or a reply to one."""

    __tablename__ = "statement_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class SuggestionStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class StatementSuggestion(db.Model):
    """A reviewer's proposed replacement text for one paragraph."""

    __tablename__ = "statement_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(40))
    paragraph_index: Mapped[int]
    base_revision: Mapped[int]
    original_text: Mapped[str] = mapped_column(Text)
    proposed_text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(254))
    status: Mapped[SuggestionStatus] = mapped_column(
        enum_column(SuggestionStatus, "suggestion_status"), default=SuggestionStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    resulting_revision: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
