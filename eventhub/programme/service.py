from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Person
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import NotFound, Unprocessable
from eventhub.extensions import db
from eventhub.programme.models import ProgrammeItem, Speech


def programme(actor: Actor, slug: str, filters: dict[str, Any]) -> list[ProgrammeItem]:
    """An edition's items in order, each with its speeches in running order."""
    edition = get_edition(actor, slug)
    query = (select(ProgrammeItem).where(ProgrammeItem.edition_id == edition.id)
             .options(selectinload(ProgrammeItem.speeches))
             .order_by(ProgrammeItem.position, ProgrammeItem.id))
    if kind := filters.get("kind"):
        query = query.where(ProgrammeItem.kind == kind)
    return list(db.session.scalars(query))


def create_item(actor: Actor, slug: str, values: dict[str, Any]) -> ProgrammeItem:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    values = dict(values)
    if values.get("position") is None:
        values["position"] = (db.session.scalar(
            select(func.max(ProgrammeItem.position))
            .where(ProgrammeItem.edition_id == edition.id)) or 0) + 1
    item = ProgrammeItem(edition_id=edition.id, **values)
    db.session.add(item)
    db.session.flush()
    return item


def add_speech(actor: Actor, slug: str, item_id: int, values: dict[str, Any]) -> Speech:
    """Append a speaker to the end of an item's running order."""
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.edition_id != edition.id:
        raise NotFound(f"Edition {slug!r} has no programme item {item_id}.")
    if db.session.get(Person, values["person_id"]) is None:
        raise Unprocessable.for_field("person_id", f"No person with id {values['person_id']}.")
    position = (db.session.scalar(select(func.max(Speech.position))
                                  .where(Speech.item_id == item.id)) or 0) + 1
    speech = Speech(item=item, position=position, **values)
    db.session.add(speech)
    db.session.flush()
    return speech
