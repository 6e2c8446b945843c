from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import NotFound, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.statements.models import (
    Statement,
    StatementKind,
    StatementParagraph,
    StatementSection,
    StatementStatus,
)

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(number: int) -> str:
    if number <= 0:
        raise ValueError("roman numerals start at 1")
    parts = []
    for value, symbol in _ROMAN:
        count, number = divmod(number, value)
        parts.append(symbol * count)
    return "".join(parts)


def _visible(actor: Actor, query):
    if not actor.can(Permission.READ_INTERNAL):
        query = query.where(Statement.status == StatementStatus.PUBLISHED)
    return query


def list_statements(actor: Actor, slug: str) -> list[Statement]:
    """Statements of an edition; the public sees published ones only."""
    edition = get_edition(actor, slug)
    query = _visible(actor, select(Statement).where(Statement.edition_id == edition.id))
    return list(db.session.scalars(query.order_by(Statement.id)))


def get_statement(actor: Actor, slug: str, statement_id: int) -> Statement:
    edition = get_edition(actor, slug)
    query = _visible(actor, select(Statement).where(
        Statement.edition_id == edition.id, Statement.id == statement_id)
    ).options(selectinload(Statement.sections).selectinload(StatementSection.paragraphs))
    statement = db.session.scalar(query)
    if statement is None:
        raise NotFound(f"Edition {slug!r} has no statement {statement_id}.")
    return statement


def import_statement(actor: Actor, slug: str, values: dict[str, Any]) -> Statement:
    """Bring in a statement issued outside EventHub (an earlier edition's, or one from an
    export bundle) with its sections and status as they stand."""
    authorize(actor, Permission.MANAGE_STATEMENTS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    sections = values["sections"]
    if not sections or any(not section["paragraphs"] for section in sections):
        raise Unprocessable.for_field("sections",
                                      "A statement needs sections, each with paragraphs.")
    status = StatementStatus(values.get("status", StatementStatus.DRAFT))
    statement = Statement(
        edition_id=edition.id, kind=StatementKind(values["kind"]), title=values["title"],
        dateline=values.get("dateline"), language=values.get("language", "en"), status=status,
        published_at=values.get("published_at"))
    for section_position, section in enumerate(sections, start=1):
        statement.sections.append(StatementSection(
            position=section_position,
            paragraphs=[StatementParagraph(position=paragraph_position, text=text)
                        for paragraph_position, text in enumerate(section["paragraphs"],
                                                                  start=1)]))
    statement.updated_at = utcnow()
    db.session.add(statement)
    db.session.flush()
    return statement


def render_text(statement: Statement) -> str:
    """The statement as plain text: title, dateline, then each section's paragraphs with
    the section number before the first one, separated by blank lines."""
    blocks = [statement.title]
    if statement.dateline:
        blocks.append(statement.dateline)
    for number, section in enumerate(statement.sections, start=1):
        for index, paragraph in enumerate(section.paragraphs):
            blocks.append(f"{roman(number)}. {paragraph.text}" if index == 0 else paragraph.text)
    return "\n\n".join(blocks)
