from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[StatementKind] = mapped_column(enum_column(StatementKind, "statement_kind"))
    title: Mapped[str] = mapped_column(Text)
    dateline: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "statement_status"), default=StatementStatus.DRAFT)
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sections: Mapped[list[StatementSection]] = relationship(
        back_populates="statement", order_by="StatementSection.position",
        cascade="all, delete-orphan")


class StatementSection(db.Model):
    """A numbered section. Its roman number is derived from position, never stored."""

    __tablename__ = "statement_sections"
    __table_args__ = (UniqueConstraint("statement_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"),
                                              index=True)
    position: Mapped[int]

    statement: Mapped[Statement] = relationship(back_populates="sections")
    paragraphs: Mapped[list[StatementParagraph]] = relationship(
        back_populates="section", order_by="StatementParagraph.position",
        cascade="all, delete-orphan", lazy="selectin")


class StatementParagraph(db.Model):
    __tablename__ = "statement_paragraphs"
    __table_args__ = (UniqueConstraint("section_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("statement_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    section: Mapped[StatementSection] = relationship(back_populates="paragraphs")
