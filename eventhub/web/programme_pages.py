"""Plenary speakers on a programme item's page: add, change, remove, and the protocol order
(suggested, and applied on request). The routes are on the organizer pages' blueprint;
each view calls one programme service function, as the API does."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from eventhub.auth.permissions import Permission
from eventhub.directory.models import Person
from eventhub.directory.service import list_people
from eventhub.errors import DomainError
from eventhub.extensions import db
from eventhub.i18n import _
from eventhub.programme import service as programme
from eventhub.programme.models import SpeechRole
from eventhub.programme.schemas import SpeechCreateSchema, SpeechUpdateSchema
from eventhub.registrations import service as registrations
from eventhub.web.common import (
    FormInvalid,
    choices,
    form_integer,
    form_values,
    load,
    page_actor,
    page_requires,
)
from eventhub.web.manage import _item_form, _refused, _status, blp

SPEECH_FIELDS = ("person_id", "role", "talk_title", "position")


def speaker_context(slug: str, item: dict[str, Any]) -> dict[str, Any]:
    """What the item page shows about speakers: the people one may choose (registered
    participants first, then the rest of the directory), the roles, and the protocol
    order where it differs from the running order."""
    actor = page_actor()
    registered = list(db.session.scalars(
        registrations.list_registrations(actor, slug, {}).where(
            registrations.Registration.status.in_(registrations.ACTIVE))))
    registered_ids = {r.person_id for r in registered}
    people = [p for p in db.session.scalars(list_people(actor, {}))
              if p.id not in registered_ids]
    suggested = programme.protocol_order(actor, slug, item["id"])
    running = [speech["id"] for speech in item["speeches"]]
    return {
        "registered_people": sorted(((r.person_id, _person_text(r.person_as_shown))
                                     for r in registered), key=lambda pair: pair[1]),
        "directory_people": [(p.id, _person_text(p)) for p in people],
        "speech_roles": choices("speech_role", SpeechRole),
        "protocol": suggested if [s.id for s in suggested] != running else None,
    }


def _person_text(person: Person) -> str:
    organization = person.organization
    if organization is None:
        return person.full_name
    return _("%(name)s (%(organization)s)", name=person.full_name,
             organization=organization.name)


def _speech_data(fields: tuple[str, ...]) -> tuple[dict[str, str], dict[str, Any]]:
    typed = {key: request.form.get(key, "").strip() for key in fields}
    data = form_values(request.form, fields)
    for key in ("person_id", "position"):
        if key in data:
            data[key] = form_integer(data[key])
    return typed, data


def _back(slug: str, item_id: int):
    return redirect(url_for("web_manage.item_edit", slug=slug, item_id=item_id)
                    + "#speakers", code=303)


@blp.post("/<slug>/programme/items/<int:item_id>/speeches")
@page_requires(Permission.MANAGE_EDITIONS)
def speech_add(slug: str, item_id: int):
    typed, data = _speech_data(SPEECH_FIELDS)
    try:
        speech = programme.add_speech(page_actor(), slug, item_id,
                                      load(SpeechCreateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _item_form(slug, item_id, speech_values=typed,
                          speech_errors=_refused(exc), status=_status(exc))
    flash(_("Speaker added: %(name)s", name=speech.person.full_name))
    return _back(slug, item_id)


@blp.post("/<slug>/programme/items/<int:item_id>/speeches/<int:speech_id>")
@page_requires(Permission.MANAGE_EDITIONS)
def speech_update(slug: str, item_id: int, speech_id: int):
    _typed, data = _speech_data(("role", "talk_title", "position"))
    data.setdefault("talk_title", None)
    try:
        speech = programme.update_speech(page_actor(), slug, item_id, speech_id,
                                         load(SpeechUpdateSchema(), data))
    except (FormInvalid, DomainError) as exc:
        return _item_form(slug, item_id, speech_errors=_refused(exc), status=_status(exc))
    flash(_("Speaker saved: %(name)s", name=speech.person.full_name))
    return _back(slug, item_id)


@blp.post("/<slug>/programme/items/<int:item_id>/speeches/<int:speech_id>/remove")
@page_requires(Permission.MANAGE_EDITIONS)
def speech_remove(slug: str, item_id: int, speech_id: int):
    actor = page_actor()
    name = db.session.scalar(select(Person.full_name).join(
        programme.Speech, programme.Speech.person_id == Person.id)
        .where(programme.Speech.id == speech_id))
    try:
        programme.remove_speech(actor, slug, item_id, speech_id)
    except DomainError as exc:
        return _item_form(slug, item_id, speech_errors=_refused(exc), status=exc.status)
    flash(_("Speaker removed: %(name)s", name=name or ""))
    return _back(slug, item_id)


@blp.post("/<slug>/programme/items/<int:item_id>/protocol-order")
@page_requires(Permission.MANAGE_EDITIONS)
def speech_protocol_order(slug: str, item_id: int):
    try:
        programme.apply_protocol_order(page_actor(), slug, item_id)
    except DomainError as exc:
        return _item_form(slug, item_id, speech_errors=_refused(exc), status=exc.status)
    flash(_("The speakers now follow the order of precedence."))
    return _back(slug, item_id)
