"""The programme: items, speakers in running order, sign-ups, exhibitors and versions.

Organizers edit a working copy (the live rows). Publishing freezes it as a numbered
version; the public reads the latest published version, so later edits stay a draft
until published again, and the changelog between versions tells delegates what moved.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, OrganizationKind, Person
from eventhub.editions.models import Edition
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.editions.snapshot import as_shown, person_snapshot, shown
from eventhub.editions.words import ITEM_FIELDS, in_language, merged
from eventhub.errors import Conflict, NotFound, Unprocessable
from eventhub.extensions import db, guard, utcnow
from eventhub.i18n import N_
from eventhub.mail import notifications
from eventhub.programme import ical
from eventhub.programme.models import (
    Delivery,
    Exhibitor,
    ItemKind,
    ProgrammeItem,
    ProgrammeVersion,
    SessionSignup,
    Speech,
    SpeechRole,
)

# Item fields whose change the changelog reports as a move.
_MOVE_FIELDS = ("starts_at", "ends_at", "room")


# Time ------------------------------------------------------------------------------

def edition_zone(edition: Edition) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(edition.time_zone)


def to_utc(value: dt.datetime | None, edition: Edition, field: str) -> dt.datetime | None:
    """Times without an offset are wall-clock times in the edition's time zone. A time
    the clocks skip there (the hour lost when summer time begins) is refused rather than
    moved; a time they show twice (the hour repeated when it ends) is the first one."""
    return wall_clock_to_utc(value, edition.time_zone, field)


def wall_clock_to_utc(value: dt.datetime | None, zone_name: str, field: str
                      ) -> dt.datetime | None:
    """`to_utc` for a zone by its name: what every page's date-and-time box goes
    through, so a page refuses a time the clocks skip as the programme does."""
    if value is None:
        return None
    if value.tzinfo is None:
        zone = zoneinfo.ZoneInfo(zone_name)
        local = value.replace(tzinfo=zone)
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != value:
            raise Unprocessable.for_field(
                field, N_("%(time)s does not exist in %(zone)s: the clocks skip that hour "
                          "(summer time begins). Give a time outside it."),
                code="programme.time_skipped", time=f"{value:%Y-%m-%d %H:%M}",
                zone=zone_name)
        value = local
    return value.astimezone(dt.UTC)


def to_local(value: dt.datetime | None, edition: Edition) -> dt.datetime | None:
    return None if value is None else value.astimezone(edition_zone(edition))


def _overlaps(a: ProgrammeItem, b: ProgrammeItem) -> bool:
    if None in (a.starts_at, a.ends_at, b.starts_at, b.ends_at):
        return False
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _title(item: ProgrammeItem) -> str:
    """An item's title for a refusal, in the language the refusal is answered in."""
    return in_language(item, "title").text


def _describe(item: ProgrammeItem) -> dict[str, Any]:
    edition = item.edition
    return {"id": item.id, "title": item.title, "room": item.room,
            "starts_at": to_local(item.starts_at, edition).isoformat() if item.starts_at else None,
            "ends_at": to_local(item.ends_at, edition).isoformat() if item.ends_at else None}


# Reading ---------------------------------------------------------------------------

def _live_items(edition: Edition) -> list[ProgrammeItem]:
    return list(db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.edition_id == edition.id)
        .options(selectinload(ProgrammeItem.speeches))
        .order_by(ProgrammeItem.starts_at.is_(None), ProgrammeItem.starts_at,
                  ProgrammeItem.position, ProgrammeItem.id)))


def latest_version(edition: Edition) -> ProgrammeVersion | None:
    return db.session.scalar(select(ProgrammeVersion).where(
        ProgrammeVersion.edition_id == edition.id).order_by(ProgrammeVersion.number.desc())
        .limit(1))


def _version(edition: Edition, number: int) -> ProgrammeVersion:
    version = db.session.scalar(select(ProgrammeVersion).where(
        ProgrammeVersion.edition_id == edition.id, ProgrammeVersion.number == number))
    if version is None:
        raise NotFound(N_("Edition %(edition)s has no programme version %(number)s."),
                       code="programme.version_not_found", edition=edition.slug, number=number)
    return version


def serialize_items(items: list[ProgrammeItem]) -> list[dict[str, Any]]:
    from eventhub.programme.schemas import ProgrammeItemSchema

    return ProgrammeItemSchema(many=True).dump(items)


def programme(actor: Actor, slug: str, filters: dict[str, Any]) -> dict[str, Any]:
    """The programme as the public reads it (latest published version) or, for staff
    asking for version "draft", the working copy. Filters: day (local date) and kind."""
    edition = get_edition(actor, slug)
    requested = filters.get("version")
    if requested == "draft":
        authorize(actor, Permission.READ_INTERNAL)
        items, number = serialize_items(_live_items(edition)), None
    elif requested:
        version = _version(edition, int(requested))
        items, number = version.items, version.number
    else:
        version = latest_version(edition)
        items, number = (version.items, version.number) if version else ([], None)
    if kind := filters.get("kind"):
        items = [item for item in items if item["kind"] == kind]
    if day := filters.get("day"):
        items = [item for item in items if item["starts_at"]
                 and dt.datetime.fromisoformat(item["starts_at"]).date() == day]
    return {"edition": edition.slug, "time_zone": edition.time_zone, "version": number,
            "items": items}


def published_history(actor: Actor, slug: str) -> tuple[Edition, list[ProgrammeVersion]]:
    """The edition and every published version of its programme, oldest first: what the
    public calendar, the schedule export and the feed are built from. Published versions
    are frozen, so an archived edition reads as it was."""
    edition = get_edition(actor, slug)
    return edition, list(db.session.scalars(select(ProgrammeVersion).where(
        ProgrammeVersion.edition_id == edition.id).order_by(ProgrammeVersion.number)))


def published_schedule(actor: Actor, slug: str
                       ) -> tuple[Edition, ProgrammeVersion | None]:
    """The edition and the programme version the public reads (None before the first
    publication), for the schedule files conference apps load."""
    edition = get_edition(actor, slug)
    return edition, latest_version(edition)


def has_calendar(edition: Edition) -> bool:
    """Whether the public calendar of the edition has an event: an item with a time in
    some published version (a cancelled one stays in the file, cancelled)."""
    return any(item.get("starts_at") for items in db.session.scalars(
        select(ProgrammeVersion.items).where(ProgrammeVersion.edition_id == edition.id))
        for item in items)


def programme_calendar(actor: Actor, slug: str) -> tuple[Edition, list[ical.Entry]]:
    """Every item ever published, as the latest version shows it (with its revisions)."""
    edition, versions = published_history(actor, slug)
    return edition, list(ical.published_entries(versions).values())


def agenda_calendar(actor: Actor, slug: str, person_id: int
                    ) -> tuple[Edition, Person, list[ical.Entry]]:
    """A person's agenda (the working copy) for their calendar; items keep the UIDs and
    revision count the public calendar gives them."""
    person = agenda(actor, slug, person_id)["person"]
    edition, versions = published_history(actor, slug)
    # Cancelled items too: a calendar that holds one must learn it is cancelled.
    rows = _items_of_person(person.id, edition, with_cancelled=True)
    live = zip(serialize_items(rows), [row.updated_at for row in rows], strict=True)
    return edition, person, ical.with_working_copy(ical.published_entries(versions), live)


# Items -----------------------------------------------------------------------------

def _editable(actor: Actor, slug: str) -> Edition:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    return edition


def _item(edition: Edition, item_id: int, *, for_update: bool = False) -> ProgrammeItem:
    query = select(ProgrammeItem).where(ProgrammeItem.id == item_id,
                                        ProgrammeItem.edition_id == edition.id)
    if for_update:
        query = query.with_for_update(of=ProgrammeItem)
    item = db.session.scalar(query)
    if item is None:
        raise NotFound(N_("Edition %(edition)s has no programme item %(item_id)s."),
                       code="programme.item_not_found", edition=edition.slug, item_id=item_id)
    return item


def _check_times(item: ProgrammeItem, edition: Edition) -> None:
    if (item.starts_at is None) != (item.ends_at is None):
        raise Unprocessable.for_field("ends_at", N_("Give both start and end, or neither."),
                                      code="programme.times_incomplete")
    if item.starts_at is None:
        return
    if item.ends_at <= item.starts_at:
        raise Unprocessable.for_field("ends_at", N_("The end must be after the start."),
                                      code="programme.end_before_start")
    first, after_last = edition.local_days()
    days = {"first_day": edition.start_date.isoformat(),
            "last_day": edition.end_date.isoformat(), "zone": edition.time_zone}
    if not first <= item.starts_at < after_last:
        raise Unprocessable.for_field(
            "starts_at", N_("The start is outside the edition's days (%(first_day)s to "
                            "%(last_day)s, %(zone)s)."),
            code="programme.start_outside_edition", **days)
    if item.ends_at > after_last:
        raise Unprocessable.for_field(
            "ends_at", N_("The end is after the edition's last day (%(first_day)s to "
                          "%(last_day)s, %(zone)s)."),
            code="programme.end_outside_edition", **days)


def _check_room(item: ProgrammeItem) -> None:
    if not item.room or item.starts_at is None or item.is_cancelled:
        return
    others = db.session.scalars(select(ProgrammeItem).where(
        ProgrammeItem.edition_id == item.edition_id, ProgrammeItem.id != item.id,
        ProgrammeItem.is_cancelled.is_(False),
        func.lower(ProgrammeItem.room) == item.room.lower(),
        ProgrammeItem.starts_at < item.ends_at, ProgrammeItem.ends_at > item.starts_at))
    clash = next(iter(others), None)
    if clash is not None:
        raise Conflict(N_("Room “%(room)s” is taken by “%(title)s” at that time."),
                       code="programme.room_taken", room=item.room, title=_title(clash),
                       extra={"clashes_with": _describe(clash)})


def _items_of_person(person_id: int, edition: Edition, *, with_cancelled: bool = False
                     ) -> list[ProgrammeItem]:
    from eventhub.registrations.models import Registration

    speaking = select(Speech.item_id).where(Speech.person_id == person_id)
    attending = (select(SessionSignup.item_id).join(Registration)
                 .where(Registration.person_id == person_id))
    query = select(ProgrammeItem).where(
        ProgrammeItem.edition_id == edition.id,
        or_(ProgrammeItem.id.in_(speaking), ProgrammeItem.id.in_(attending)))
    if not with_cancelled:
        query = query.where(ProgrammeItem.is_cancelled.is_(False))
    return list(db.session.scalars(query))


def _lock_person(person: Person) -> None:
    """Serialise whatever puts this person somewhere in the programme (sign-ups,
    speeches, moved items), so that two of them sent at once cannot each miss the other
    in the clash check. Taken after the item's lock, never before: one order everywhere.
    FOR NO KEY UPDATE on PostgreSQL (rows that merely refer to the person, as a new
    registration does, are not held up); the write lock on SQLite."""
    if guard("clashes"):
        db.session.execute(select(Person.id).where(Person.id == person.id)
                           .with_for_update(key_share=True))


def _check_person_free(person: Person, item: ProgrammeItem) -> None:
    _lock_person(person)
    for other in _items_of_person(person.id, item.edition):
        if other.id != item.id and _overlaps(other, item):
            raise Conflict(N_("%(person)s is already in “%(title)s” at that time."),
                           code="programme.person_busy", person=person.full_name,
                           title=_title(other),
                           extra={"clashes_with": _describe(other),
                                  "person_id": person.id})


def _people_in(item: ProgrammeItem) -> list[Person]:
    """Everyone in the item, in id order (the order their locks are taken in)."""
    from eventhub.registrations.models import Registration

    people = {speech.person.id: speech.person for speech in item.speeches}
    people.update((person.id, person) for person in db.session.scalars(
        select(Person).join(Registration).join(
            SessionSignup, SessionSignup.registration_id == Registration.id)
        .where(SessionSignup.item_id == item.id)))
    return [people[key] for key in sorted(people)]


def create_item(actor: Actor, slug: str, values: dict[str, Any]) -> ProgrammeItem:
    edition = _editable(actor, slug)
    values = dict(values)
    values["kind"] = ItemKind(values["kind"])
    values["starts_at"] = to_utc(values.get("starts_at"), edition, "starts_at")
    values["ends_at"] = to_utc(values.get("ends_at"), edition, "ends_at")
    values["translations"] = merged({}, values.get("translations"), ITEM_FIELDS)
    if values.get("position") is None:
        values["position"] = (db.session.scalar(
            select(func.max(ProgrammeItem.position))
            .where(ProgrammeItem.edition_id == edition.id)) or 0) + 1
    item = ProgrammeItem(edition=edition, **values)
    _check_times(item, edition)
    db.session.add(item)
    db.session.flush()
    _check_room(item)
    return item


def update_item(actor: Actor, slug: str, item_id: int, changes: dict[str, Any]
                ) -> ProgrammeItem:
    edition = _editable(actor, slug)
    item = _item(edition, item_id, for_update=True)
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = to_utc(changes[key], edition, key)
    if "translations" in changes:
        changes["translations"] = merged(item.translations, changes["translations"],
                                         ITEM_FIELDS)
    for key, value in changes.items():
        setattr(item, key, value)
    _check_times(item, edition)
    db.session.flush()
    _check_room(item)
    if {"starts_at", "ends_at"} & changes.keys():
        for person in _people_in(item):
            _check_person_free(person, item)
    return item


def set_cancelled(actor: Actor, slug: str, item_id: int, cancelled: bool) -> ProgrammeItem:
    edition = _editable(actor, slug)
    item = _item(edition, item_id, for_update=True)
    item.is_cancelled = cancelled
    db.session.flush()
    if not cancelled:
        # Restored: its room and people may have been booked elsewhere meanwhile.
        _check_room(item)
        for person in _people_in(item):
            _check_person_free(person, item)
    return item


def delete_item(actor: Actor, slug: str, item_id: int) -> None:
    """Remove an item from the working copy; a published one shows as cancelled in the
    changelog of the next version."""
    edition = _editable(actor, slug)
    db.session.delete(_item(edition, item_id, for_update=True))
    db.session.flush()


# Speakers --------------------------------------------------------------------------

def _renumber(item: ProgrammeItem, ordered: list[Speech]) -> None:
    # Two passes keep the unique (item, position) index satisfied at every flush.
    for index, speech in enumerate(ordered, start=1):
        speech.position = -index
    db.session.flush()
    for index, speech in enumerate(ordered, start=1):
        speech.position = index
    db.session.flush()
    db.session.expire(item, ["speeches"])


def _speech(item: ProgrammeItem, speech_id: int) -> Speech:
    speech = db.session.get(Speech, speech_id)
    if speech is None or speech.item_id != item.id:
        raise NotFound(N_("Programme item %(item_id)s has no speech %(speech_id)s."),
                       code="programme.speech_not_found", item_id=item.id, speech_id=speech_id)
    return speech


def add_speech(actor: Actor, slug: str, item_id: int, values: dict[str, Any]) -> Speech:
    """Add a speaker at a position in the running order (default: last)."""
    edition = _editable(actor, slug)
    item = _item(edition, item_id, for_update=True)
    values = dict(values)
    values["role"] = SpeechRole(values["role"])
    if values.get("delivery") is not None:
        values["delivery"] = Delivery(values["delivery"])
    person = db.session.get(Person, values["person_id"])
    if person is None:
        raise Unprocessable.for_field("person_id", N_("No person with id %(person_id)s."),
                                      code="programme.person_not_found",
                                      person_id=values["person_id"])
    _check_person_free(person, item)
    ordered = list(item.speeches)
    position = values.pop("position", None)
    index = len(ordered) if position is None else max(0, min(position - 1, len(ordered)))
    speech = Speech(item=item, position=len(ordered) + 1000, **values)
    db.session.add(speech)
    db.session.flush()
    ordered.insert(index, speech)
    _renumber(item, ordered)
    return speech


def update_speech(actor: Actor, slug: str, item_id: int, speech_id: int,
                  changes: dict[str, Any]) -> Speech:
    """Change a speech; a new position moves it and shifts the others, in one request."""
    edition = _editable(actor, slug)
    item = _item(edition, item_id, for_update=True)
    speech = _speech(item, speech_id)
    position = changes.pop("position", None)
    for key, value in changes.items():
        setattr(speech, key, value)
    if position is not None:
        ordered = [s for s in item.speeches if s.id != speech.id]
        ordered.insert(max(0, min(position - 1, len(ordered))), speech)
        _renumber(item, ordered)
    db.session.flush()
    return speech


def remove_speech(actor: Actor, slug: str, item_id: int, speech_id: int) -> None:
    edition = _editable(actor, slug)
    item = _item(edition, item_id, for_update=True)
    speech = _speech(item, speech_id)
    remaining = [s for s in item.speeches if s.id != speech.id]
    db.session.delete(speech)
    db.session.flush()
    _renumber(item, remaining)


def _alphabetical(name: str) -> str:
    """Sort key for English alphabetical order: accents do not move a name (Côte d'Ivoire
    sorts with Costa Rica, before Cuba)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _precedence(edition: Edition, speech: Speech) -> tuple:
    """Host first; then national authorities by country or region name in English; then
    international organizations by name; then everyone else, keeping their order."""
    organization = speech.person_as_shown.organization
    if organization is not None and organization.id == edition.host_organization_id:
        return (0, "", speech.position)
    if organization is not None and organization.kind == OrganizationKind.NATIONAL_AUTHORITY:
        return (1, _alphabetical(organization.country_name or organization.name),
                speech.position)
    if organization is not None and (
            organization.kind == OrganizationKind.INTERNATIONAL_ORGANIZATION):
        return (2, _alphabetical(organization.name), speech.position)
    return (3, "", speech.position)


def protocol_order(actor: Actor, slug: str, item_id: int) -> list[Speech]:
    """The running order by the order of precedence, as a suggestion."""
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    item = _item(edition, item_id)
    return sorted(item.speeches, key=lambda speech: _precedence(edition, speech))


def apply_protocol_order(actor: Actor, slug: str, item_id: int) -> list[Speech]:
    edition = _editable(actor, slug)
    item = _item(edition, item_id, for_update=True)
    ordered = sorted(item.speeches, key=lambda speech: _precedence(edition, speech))
    _renumber(item, ordered)
    return list(item.speeches)


# Sign-ups --------------------------------------------------------------------------

def _confirmed_registration(edition: Edition, registration_id: int):
    from eventhub.registrations.models import Registration, RegistrationStatus

    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.edition_id != edition.id:
        raise Unprocessable.for_field(
            "registration_id", N_("No registration %(registration_id)s in %(edition)s."),
            code="programme.registration_not_found", registration_id=registration_id,
            edition=edition.slug)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict(N_("Only confirmed registrants can join sessions; this registration "
                          "is %(status)s."),
                       code="programme.registration_not_confirmed",
                       status=registration.status.value)
    return registration


def sign_up(edition: Edition, item_id: int, registration_id: int, *,
            by_organizer: bool) -> SessionSignup:
    ensure_writable(edition)
    # The item row lock makes concurrent sign-ups queue, so the capacity holds; the
    # person's lock (in the clash check, after the item's) does the same for two
    # sessions of one person.
    item = _item(edition, item_id, for_update=guard("places"))
    if item.is_cancelled:
        raise Conflict(N_("“%(title)s” is cancelled."), code="programme.item_cancelled",
                       title=_title(item))
    registration = _confirmed_registration(edition, registration_id)
    if db.session.scalar(select(SessionSignup.id).where(
            SessionSignup.item_id == item.id,
            SessionSignup.registration_id == registration.id)) is not None:
        raise Conflict(N_("%(person)s is already in “%(title)s”."),
                       code="programme.already_signed_up",
                       person=registration.person.full_name, title=_title(item))
    if item.capacity is not None:
        taken = db.session.scalar(select(func.count()).select_from(SessionSignup).where(
            SessionSignup.item_id == item.id)) or 0
        if taken >= item.capacity:
            raise Conflict(N_("“%(title)s” is full (%(capacity)s places)."),
                           code="programme.session_full", title=_title(item),
                           capacity=item.capacity, extra={"capacity": item.capacity})
    _check_person_free(registration.person, item)
    signup = SessionSignup(item=item, registration_id=registration.id,
                           assigned_by_organizer=by_organizer)
    db.session.add(signup)
    db.session.flush()
    return signup


def assign(actor: Actor, slug: str, item_id: int, registration_id: int) -> SessionSignup:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    return sign_up(edition, item_id, registration_id, by_organizer=True)


def leave(actor: Actor, slug: str, item_id: int, registration_id: int) -> None:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    signup = db.session.scalar(select(SessionSignup).join(ProgrammeItem).where(
        ProgrammeItem.edition_id == edition.id, SessionSignup.item_id == item_id,
        SessionSignup.registration_id == registration_id))
    if signup is None:
        raise NotFound(N_("Registration %(registration_id)s is not in item %(item_id)s."),
                       code="programme.signup_not_found", registration_id=registration_id,
                       item_id=item_id)
    db.session.delete(signup)
    db.session.flush()


def _delegation_registration(token: str, registration_id: int):
    """The invitation's edition and a registration of its delegation (404 otherwise)."""
    from eventhub.invitations.service import invitation_for_token
    from eventhub.registrations.models import Registration
    from eventhub.registrations.service import delegation_for_invitation

    invitation = invitation_for_token(token)
    delegation = delegation_for_invitation(invitation)
    registration = db.session.get(Registration, registration_id)
    if delegation is None or registration is None or (
            registration.delegation_id != delegation.id):
        raise NotFound(N_("Your delegation has no registration %(registration_id)s."),
                       code="programme.not_in_delegation", registration_id=registration_id)
    return db.session.get(Edition, invitation.edition_id), registration


def delegation_sign_up(token: str, item_id: int, registration_id: int) -> SessionSignup:
    """A focal point chooses a session for a confirmed member of their delegation."""
    edition, _ = _delegation_registration(token, registration_id)
    return sign_up(edition, item_id, registration_id, by_organizer=False)


def delegation_leave(token: str, item_id: int, registration_id: int) -> None:
    """A focal point takes a member of their delegation out of a session, which frees
    the place for someone else."""
    edition, registration = _delegation_registration(token, registration_id)
    ensure_writable(edition)
    # The item lock orders this with concurrent sign-ups counting the places.
    item = _item(edition, item_id, for_update=True)
    signup = db.session.scalar(select(SessionSignup).where(
        SessionSignup.item_id == item.id, SessionSignup.registration_id == registration.id))
    if signup is None:
        raise NotFound(N_("%(person)s is not signed up for “%(title)s”."),
                       code="programme.not_signed_up", person=registration.person.full_name,
                       title=_title(item))
    db.session.delete(signup)
    db.session.flush()


def delegation_signups(token: str) -> list[dict[str, Any]]:
    """The sessions the members of a focal point's delegation are signed up for, with the
    member, in programme order."""
    from eventhub.invitations.service import invitation_for_token
    from eventhub.registrations.models import Registration
    from eventhub.registrations.service import delegation_for_invitation

    delegation = delegation_for_invitation(invitation_for_token(token))
    if delegation is None:
        return []
    frozen = person_snapshot()  # an archived edition names people as it did then
    rows = db.session.execute(
        select(SessionSignup.item_id, ProgrammeItem.title, SessionSignup.registration_id,
               as_shown(frozen, Person, "full_name"), SessionSignup.assigned_by_organizer)
        .join(ProgrammeItem, ProgrammeItem.id == SessionSignup.item_id)
        .join(Registration, Registration.id == SessionSignup.registration_id)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(frozen, (frozen.edition_id == Registration.edition_id)
                   & (frozen.person_id == Registration.person_id))
        .where(Registration.delegation_id == delegation.id)
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.position, SessionSignup.id))
    return [{"item_id": item_id, "item_title": title, "registration_id": registration_id,
             "full_name": full_name, "assigned_by_organizer": by_organizer}
            for item_id, title, registration_id, full_name, by_organizer in rows]


def _signup_counts(edition_id: int) -> dict[int, int]:
    return dict(db.session.execute(
        select(SessionSignup.item_id, func.count()).join(ProgrammeItem)
        .where(ProgrammeItem.edition_id == edition_id).group_by(SessionSignup.item_id)).all())


def places_taken_for_focal_point(token: str) -> dict[int, int]:
    """Sign-ups per session of the invitation's edition, so a focal point sees which
    sessions still have places before choosing."""
    from eventhub.invitations.service import invitation_for_token

    return _signup_counts(invitation_for_token(token).edition_id)


def attendance(actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Sign-ups per session, for organizers."""
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    counts = _signup_counts(edition.id)
    return [{"item_id": item.id, "title": item.title, "kind": item.kind,
             "capacity": item.capacity, "signed_up": counts.get(item.id, 0),
             "is_cancelled": item.is_cancelled}
            for item in _live_items(edition)]


def agenda(actor: Actor, slug: str, person_id: int) -> dict[str, Any]:
    """One person's agenda: the items they speak in or signed up for, in time order."""
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    person = shown(edition).person(person_id)
    if person is None:
        raise NotFound(N_("No person with id %(person_id)s."),
                       code="programme.person_not_found", person_id=person_id)
    items = sorted(_items_of_person(person.id, edition),
                   key=lambda i: (i.starts_at is None, i.starts_at or utcnow(), i.position))
    return {"edition": edition.slug, "time_zone": edition.time_zone,
            "person": person, "items": serialize_items(items)}


# Exhibitors ------------------------------------------------------------------------

def list_exhibitors(actor: Actor, slug: str) -> list[Exhibitor]:
    edition = get_edition(actor, slug)
    return list(db.session.scalars(select(Exhibitor).where(
        Exhibitor.edition_id == edition.id).order_by(Exhibitor.stand, Exhibitor.id)))


def add_exhibitor(actor: Actor, slug: str, values: dict[str, Any]) -> Exhibitor:
    edition = _editable(actor, slug)
    organization = db.session.get(Organization, values["organization_id"])
    if organization is None:
        raise Unprocessable.for_field(
            "organization_id", N_("No organization with id %(organization_id)s."),
            code="programme.organization_not_found",
            organization_id=values["organization_id"])
    if db.session.scalar(select(Exhibitor.id).where(
            Exhibitor.edition_id == edition.id,
            Exhibitor.organization_id == organization.id)) is not None:
        raise Conflict(N_("%(organization)s already exhibits at %(edition)s."),
                       code="programme.already_exhibiting", organization=organization.name,
                       edition=slug)
    exhibitor = Exhibitor(edition_id=edition.id, organization=organization,
                          stand=values.get("stand"), description=values.get("description"))
    db.session.add(exhibitor)
    db.session.flush()
    return exhibitor


def _exhibitor(edition: Edition, exhibitor_id: int) -> Exhibitor:
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if exhibitor is None or exhibitor.edition_id != edition.id:
        raise NotFound(N_("Edition %(edition)s has no exhibitor %(exhibitor_id)s."),
                       code="programme.exhibitor_not_found", edition=edition.slug,
                       exhibitor_id=exhibitor_id)
    return exhibitor


def update_exhibitor(actor: Actor, slug: str, exhibitor_id: int,
                     changes: dict[str, Any]) -> Exhibitor:
    edition = _editable(actor, slug)
    exhibitor = _exhibitor(edition, exhibitor_id)
    for key, value in changes.items():
        setattr(exhibitor, key, value)
    db.session.flush()
    return exhibitor


def remove_exhibitor(actor: Actor, slug: str, exhibitor_id: int) -> None:
    edition = _editable(actor, slug)
    db.session.delete(_exhibitor(edition, exhibitor_id))
    db.session.flush()


# Versions --------------------------------------------------------------------------

def publish(actor: Actor, slug: str, note: str | None) -> ProgrammeVersion:
    edition = _editable(actor, slug)
    last = latest_version(edition)
    items = serialize_items(_live_items(edition))
    if last is not None and last.items == items:
        raise Conflict(N_("Nothing changed since version %(number)s."),
                       code="programme.nothing_to_publish", number=last.number)
    version = ProgrammeVersion(edition_id=edition.id, number=(last.number if last else 0) + 1,
                               note=note, items=items, published_by_id=actor.user_id)
    db.session.add(version)
    db.session.flush()
    notifications.programme_published(edition, version)
    return version


def list_versions(actor: Actor, slug: str) -> list[ProgrammeVersion]:
    edition = get_edition(actor, slug)
    return list(db.session.scalars(select(ProgrammeVersion).where(
        ProgrammeVersion.edition_id == edition.id).order_by(ProgrammeVersion.number)))


def changelog(actor: Actor, slug: str, old: int, new: int | str) -> dict[str, Any]:
    """What was added, cancelled, moved (time or room) or otherwise changed between two
    versions; `new` may be "draft" (staff only) for the unpublished working copy."""
    edition = get_edition(actor, slug)
    before = _version(edition, old).items
    if new == "draft":
        authorize(actor, Permission.READ_INTERNAL)
        after = serialize_items(_live_items(edition))
    else:
        after = _version(edition, int(new)).items
    old_items = {item["id"]: item for item in before}
    new_items = {item["id"]: item for item in after}
    added, cancelled, moved, changed = [], [], [], []
    for item_id, item in new_items.items():
        previous = old_items.get(item_id)
        if previous is None:
            (cancelled if item["is_cancelled"] else added).append(_brief(item))
        elif item["is_cancelled"] and not previous["is_cancelled"]:
            cancelled.append(_brief(item))
        elif any(item[f] != previous[f] for f in _MOVE_FIELDS):
            moved.append({**_brief(item), "from": {f: previous[f] for f in _MOVE_FIELDS},
                          "to": {f: item[f] for f in _MOVE_FIELDS}})
        elif item != previous:
            changed.append({**_brief(item), "fields": sorted(
                k for k in item if item[k] != previous.get(k))})
    cancelled += [_brief(item) for item_id, item in old_items.items()
                  if item_id not in new_items and not item["is_cancelled"]]
    return {"edition": edition.slug, "from_version": old,
            "to_version": new if new == "draft" else int(new),
            "added": added, "cancelled": cancelled, "moved": moved, "changed": changed}


def _brief(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["id"], "title": item["title"], "kind": item["kind"]}


