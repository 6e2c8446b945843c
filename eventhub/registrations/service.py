"""Registrations: capacity, waiting list, delegation quotas, approval and check-in.

Seats are held by pending and confirmed in-person registrations. A registration that finds
no seat is waitlisted; whenever a seat frees up, the waiting list moves in arrival order.
Every change that can take or free a seat first locks the edition row (SELECT ... FOR
UPDATE), so concurrent requests in any number of app processes queue instead of
overbooking: on PostgreSQL for that row, on SQLite for the database's write lock, which
the same statement takes there (eventhub/extensions.py). A request that waits too long
gets 409 with Retry-After.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import pgettext
from sqlalchemy import Select, and_, bindparam, func, insert, inspect, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import (
    aliased,
    contains_eager,
    defer,
    lazyload,
    make_transient_to_detached,
)
from sqlalchemy.orm.attributes import set_committed_value

from eventhub import dates
from eventhub.audit import recorder
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions import snapshot
from eventhub.editions.models import Edition, EditionStatus
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import Conflict, DomainError, NotFound, Term, Unprocessable
from eventhub.extensions import DATABASE_BUSY, LOCK_NOT_AVAILABLE, db, guard, utcnow
from eventhub.i18n import N_
from eventhub.invitations.models import Invitation, InvitationStatus
from eventhub.mail import notifications
from eventhub.registrations.models import (
    Attendance,
    Delegation,
    Registration,
    RegistrationRole,
    RegistrationStatus,
)

_R = RegistrationStatus
ACTIVE = (_R.PENDING, _R.CONFIRMED, _R.WAITLISTED)
SEAT_HOLDING = (_R.PENDING, _R.CONFIRMED)
_BADGE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Busy(Conflict):
    """The edition is locked by other registrations for longer than we wait."""

    title = N_("Busy")
    default_code = "registration.busy"

    def __init__(self) -> None:
        super().__init__(N_("Many registrations are arriving at once; please retry shortly."),
                         headers={"Retry-After": "2"})


_STATUS_WORDS = {
    _R.PENDING: lambda: pgettext("registration status", "pending"),
    _R.CONFIRMED: lambda: pgettext("registration status", "confirmed"),
    _R.WAITLISTED: lambda: pgettext("registration status", "waitlisted"),
    _R.REJECTED: lambda: pgettext("registration status", "rejected"),
    _R.CANCELLED: lambda: pgettext("registration status", "cancelled"),
}


def status_term(status: RegistrationStatus) -> Term:
    """A registration's status as a parameter of a message (its value, read translated)."""
    return Term(status.value, _STATUS_WORDS[status])


def lock_edition_for_capacity(edition: Edition) -> None:
    """Lock the edition row until the transaction ends. The row as locked replaces what
    was read before: a change of status, capacity or approval committed while we waited
    counts (the edition's own writes take the same lock).

    On PostgreSQL the wait is bounded by the connection's lock timeout, set when it
    opened (eventhub.extensions); only a timeout changed since (the tests shorten it)
    costs a SET LOCAL here."""
    if not guard("seats"):
        return
    config = current_app.config
    timeout = int(config["EVENTHUB_REGISTRATION_LOCK_TIMEOUT_MS"])
    if (timeout != config.get("EVENTHUB_CONNECTION_LOCK_TIMEOUT_MS")
            and db.session.get_bind().dialect.name == "postgresql"):
        db.session.execute(text(f"SET LOCAL lock_timeout = {timeout}"))
    try:
        row = db.session.execute(_LOCK_EDITION, {"edition_id": edition.id}).one()
    except Conflict as exc:
        if exc.code != DATABASE_BUSY:
            raise
        db.session.rollback()
        raise Busy() from exc
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            db.session.rollback()
            raise Busy() from exc
        raise
    state = inspect(edition)
    for key, value in zip(_LOCKED_COLUMNS, row, strict=True):
        if not state.attrs[key].history.has_changes():
            set_committed_value(edition, key, value)


_LOCKED_COLUMNS = ("status", "capacity", "requires_approval")
# The registration path's statements are built once, with bind parameters: building a
# select and its cache key on every request cost about as much as running it.
_LOCK_EDITION = (select(*(Edition.__table__.c[key] for key in _LOCKED_COLUMNS))
                 .where(Edition.__table__.c.id == bindparam("edition_id")).with_for_update())
# Registrations never use the edition's series or host: no joins to load them.
_EDITION_BY_SLUG = (select(Edition).where(Edition.slug == bindparam("slug"))
                    .options(lazyload(Edition.series), lazyload(Edition.host_organization)))


def _editable_edition(actor: Actor, slug: str) -> Edition:
    """The edition, as get_edition(related=False) reads it, for a change under it."""
    return _writable(actor, slug, db.session.scalar(_EDITION_BY_SLUG, {"slug": slug}))


def _writable(actor: Actor, slug: str, edition: Edition | None) -> Edition:
    if edition is None or (not edition.is_public and not actor.can(Permission.READ_INTERNAL)):
        raise NotFound(N_("No edition “%(slug)s”."), code="edition.not_found", slug=slug)
    ensure_writable(edition)
    return edition


def _require_open(edition: Edition) -> None:
    if edition.status != EditionStatus.OPEN:
        raise Conflict(N_("Registration for “%(slug)s” is not open."),
                       code="registration.not_open", slug=edition.slug,
                       edition_status=edition.status.value)


def _status_in(statuses: tuple[RegistrationStatus, ...]):
    # An IN list of enum values is rendered anew on every execution (about 0.4 ms of CPU on
    # PostgreSQL); equalities are compiled once and cached.
    return or_(*(Registration.status == status for status in statuses))


def _seats_query(edition: Edition) -> Select:
    return select(func.count()).select_from(Registration).where(
        Registration.edition_id == edition.id, _status_in(SEAT_HOLDING),
        Registration.attendance == Attendance.IN_PERSON)


def seats_taken(edition: Edition, *, excluding: int | None = None) -> int:
    query = _seats_query(edition)
    if excluding is not None:
        query = query.where(Registration.id != excluding)
    return db.session.scalar(query) or 0


def _seat_free(edition: Edition, *, excluding: int | None = None) -> bool:
    return edition.capacity is None or seats_taken(edition, excluding=excluding) < (
        edition.capacity)


def _new_badge_code() -> str:
    return "".join(secrets.choice(_BADGE_ALPHABET) for _ in range(10))


def _admit(registration: Registration, edition: Edition) -> None:
    now = utcnow()
    if edition.requires_approval:
        registration.status = _R.PENDING
    else:
        registration.status = _R.CONFIRMED
        registration.confirmed_at = now
        registration.badge_code = registration.badge_code or _new_badge_code()


def _place(registration: Registration, edition: Edition, *,
           seats: int | None = None) -> None:
    """Give a new (or returning) registration a seat, or a place on the waiting list.
    `seats`: the seats taken, when the caller has just counted them under the lock."""
    if registration.attendance == Attendance.VIDEO or edition.capacity is None or (
            seats if seats is not None else seats_taken(edition)) < edition.capacity:
        _admit(registration, edition)
    else:
        registration.status = _R.WAITLISTED
        registration.waitlisted_at = utcnow()


def promote_waitlist(edition: Edition) -> list[Registration]:
    promoted = []
    while _seat_free(edition):
        first = db.session.scalar(
            select(Registration).where(Registration.edition_id == edition.id,
                                       Registration.status == _R.WAITLISTED)
            .order_by(Registration.waitlisted_at, Registration.id).limit(1))
        if first is None:
            break
        _admit(first, edition)
        db.session.flush()
        promoted.append(first)
    notifications.registrations_promoted(promoted)
    return promoted


def _same_organization(organization_id: int | None):
    return (Person.organization_id.is_(None) if organization_id is None
            else Person.organization_id == organization_id)


def _normal_email(values: dict[str, Any]) -> str | None:
    return (values.get("email") or "").strip().lower() or None


def _person_for(values: dict[str, Any], organization_id: int | None, *,
                flush: bool = True) -> tuple[Person, bool]:
    """The directory entry for a registrant: the person with this e-mail in this
    organization, or a new one. A person of another organization is never taken over or
    renamed (a focal point can only speak for their own organization).

    Returns the person and whether it was created."""
    email = _normal_email(values)
    person = None
    if email:
        person = db.session.scalar(
            select(Person).where(func.lower(Person.email) == email,
                                 _same_organization(organization_id))
            .order_by(Person.id).limit(1))
    created = person is None
    person = _directory_entry(values, organization_id, person)
    if flush:
        db.session.flush()
    return person, created


def _directory_entry(values: dict[str, Any], organization_id: int | None,
                     found: Person | None) -> Person:
    """The person as the registration gives them: the entry found (renamed as given, its
    position updated when one is given), or a new entry."""
    if found is None:
        person = Person(full_name=values["full_name"], position=values.get("position"),
                        email=_normal_email(values), organization_id=organization_id)
        db.session.add(person)
        return person
    found.full_name = values["full_name"]
    if values.get("position") is not None:
        found.position = values["position"]
    return found


def _with_registration_in(query: Select, edition: Edition) -> Select:
    """Adds the id of the person's registration in `edition` (or None) to a select of
    people."""
    return query.add_columns(Registration.id).outerjoin(Registration, and_(
        Registration.person_id == Person.id, Registration.edition_id == edition.id))


def _edition_and_person_statement(without_organization: bool) -> Select:
    # The candidate is the first person (by id) with the e-mail in the organization, read
    # from an alias: the outer query joins people too.
    candidate = aliased(Person)
    first_match = select(func.min(candidate.id)).where(
        func.lower(candidate.email) == bindparam("email"),
        candidate.organization_id.is_(None) if without_organization
        else candidate.organization_id == bindparam("organization_id")).scalar_subquery()
    return (select(Edition, Person, Registration.id).select_from(Edition)
            .outerjoin(Person, Person.id == first_match)
            .outerjoin(Registration, and_(Registration.person_id == Person.id,
                                          Registration.edition_id == Edition.id))
            .where(Edition.slug == bindparam("slug"))
            # The organization is read by the caller (or is none): no join to load it.
            .options(lazyload(Edition.series), lazyload(Edition.host_organization),
                     lazyload(Person.organization)))


# One query for a registration by e-mail, before the edition is locked: the edition (as
# _editable_edition reads it), the person with that e-mail in the organization (the key:
# whether that is none), and the id of that person's registration in the edition.
_EDITION_AND_PERSON = {without_organization: _edition_and_person_statement(without_organization)
                       for without_organization in (True, False)}


def _already_registered(person: Person, edition: Edition) -> Conflict:
    return Conflict(N_("%(name)s is already registered for %(slug)s."),
                    code="registration.duplicate", name=person.full_name, slug=edition.slug)


def _refuse_second_registration(edition: Edition, person: Person) -> None:
    if db.session.scalar(select(Registration.id).where(
            Registration.edition_id == edition.id,
            Registration.person_id == person.id)) is not None:
        raise _already_registered(person, edition)


def _registration_fields(values: dict[str, Any]) -> dict[str, Any]:
    keys = ("role", "attendance", "needs_visa_letter", "dietary", "accessibility")
    return {k: values[k] for k in keys if k in values}


def register(actor: Actor, slug: str, values: dict[str, Any]) -> Registration:
    """An organizer registers someone (a person from the directory, or a new one).

    Everything that needs no seat count (finding the person, the checks) happens before
    the edition is locked, because every registration of the edition queues on that lock
    until this request commits (one query reads the edition and the person with the
    e-mail given). Under it, one query counts the seats and looks for a registration of
    the same person committed meanwhile by a simultaneous request; then the person (when
    new) and the registration are inserted, and the request commits."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    organization_id = values.get("organization_id")
    email = (_normal_email(values)
             if values.get("person_id") is None and values.get("full_name") else None)
    found = registered = None
    if email:
        row = db.session.execute(_EDITION_AND_PERSON[organization_id is None], {
            "slug": slug, "email": email, "organization_id": organization_id}).first()
        edition = _writable(actor, slug, row[0] if row is not None else None)
        found, registered = row[1], row[2]
    else:
        edition = _editable_edition(actor, slug)
    _require_open(edition)
    if values.get("person_id") is not None:
        row = db.session.execute(_with_registration_in(
            select(Person).where(Person.id == values["person_id"]), edition)).first()
        if row is None:
            raise Unprocessable.for_field("person_id", N_("No person with id %(id)s."),
                                          code="person.not_found", id=values["person_id"])
        person, created = row[0], False
        if row[1] is not None:
            raise _already_registered(person, edition)
    elif values.get("full_name"):
        if organization_id is not None and db.session.get(Organization, organization_id) is None:
            raise Unprocessable.for_field("organization_id",
                                          N_("No organization with id %(id)s."),
                                          code="organization.not_found", id=organization_id)
        if found is not None and registered is not None:
            raise _already_registered(found, edition)
        # A new person is inserted with their registration, below.
        person = _directory_entry(values, organization_id, found)
        created = found is None
    else:
        raise Unprocessable.for_field("person_id", N_("Give person_id or full_name."),
                                      code="registration.person_missing")
    delegation = None
    if values.get("delegation_id") is not None:
        # Not autoflushed: the new person must wait for its own INSERT below.
        with db.session.no_autoflush:
            delegation = db.session.get(Delegation, values["delegation_id"])
        if delegation is None or delegation.edition_id != edition.id:
            raise Unprocessable.for_field("delegation_id",
                                          N_("No such delegation in this edition."),
                                          code="delegation.not_found")
    registration = Registration(edition_id=edition.id, **_registration_fields(values))
    registration.attendance = registration.attendance or Attendance.IN_PERSON

    # No autoflush until the rows are in: a new person waiting in the session is inserted
    # below, by its own statement.
    with db.session.no_autoflush:
        lock_edition_for_capacity(edition)
        _require_open(edition)
        seats, duplicate = _seats_and_duplicate(edition, registration, person, created=created)
        if duplicate is not None:
            raise _already_registered(person, edition)
        _place(registration, edition, seats=seats)
        # The new rows go in by one INSERT ... RETURNING each, with their audit entries in
        # one more statement, instead of a unit-of-work flush (the flush cost about a fifth
        # of a registration's CPU). A person found in the directory and renamed is still
        # updated by the commit's flush, which records that.
        inserted = [person] if created else []
        if created:
            _insert_returning(person)
        registration.person_id = person.id
        registration.delegation_id = delegation.id if delegation is not None else None
        _insert_returning(registration)
        inserted.append(registration)
        set_committed_value(registration, "person", person)
        if delegation is not None:
            set_committed_value(registration, "delegation", delegation)
    recorder.record_inserted(db.session(), inserted)
    # The answer shows the registrant as the edition does: the session remembers how
    # (the edition itself may be gone from the session by then, and read again).
    snapshot.shown(edition)
    return registration


def _insert_returning(obj: Any) -> None:
    """Insert a new object's row with one statement that returns every column (the
    defaults included), and make the object the session's persistent, clean copy of that
    row: no flush, and nothing read again. The caller records it in the audit trail."""
    state = inspect(obj)
    if state.pending:  # added to the session to be flushed: taken back
        db.session.expunge(obj)
    mapper = state.mapper
    table = mapper.local_table
    statement = _INSERT_RETURNING.get(table)
    if statement is None:
        statement = _INSERT_RETURNING[table] = insert(table).returning(*table.c)
    given = obj.__dict__
    row = db.session.execute(statement, {
        attr.columns[0].key: given[attr.key] for attr in mapper.column_attrs
        if attr.key in given}).one()._mapping
    for attr in mapper.column_attrs:
        set_committed_value(obj, attr.key, row[attr.columns[0]])
    make_transient_to_detached(obj)
    db.session.add(obj)


_INSERT_RETURNING: dict[Any, Any] = {}


def register_many(actor: Actor, slug: str, rows: list[dict[str, Any]]) -> list[Registration]:
    """Register many people at once, in order, all or nothing (an import file), by the
    rules of `register`: a person is found by e-mail in their organization or added,
    and each registration gets a seat while seats remain, then a place on the waiting list.

    The caller has checked, under the edition lock it holds, that no e-mail repeats and
    nobody in `rows` is registered yet. Here one query finds the directory entries, one
    counts the seats and one flush inserts everything, instead of some ten statements per
    person."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _editable_edition(actor, slug)
    lock_edition_for_capacity(edition)
    _require_open(edition)
    emails = sorted({email for values in rows if (email := _normal_email(values))})
    found: dict[tuple[str, int | None], Person] = {}
    for person in db.session.scalars(select(Person).where(
            func.lower(Person.email).in_(emails)).order_by(Person.id)):
        found.setdefault((person.email.lower(), person.organization_id), person)
    seats = seats_taken(edition) if edition.capacity is not None else None
    registrations = []
    with db.session.no_autoflush:
        for values in rows:
            organization_id = values.get("organization_id")
            person = _directory_entry(values, organization_id,
                                      found.get((_normal_email(values), organization_id)))
            registration = Registration(edition_id=edition.id, **_registration_fields(values))
            registration.attendance = registration.attendance or Attendance.IN_PERSON
            _place(registration, edition, seats=seats)
            if seats is not None and registration.attendance == Attendance.IN_PERSON and (
                    registration.status in SEAT_HOLDING):
                seats += 1
            registration.person = person
            db.session.add(registration)
            registrations.append(registration)
    db.session.flush()
    return registrations


def _seats_and_duplicate(edition: Edition, registration: Registration, person: Person, *,
                         created: bool) -> tuple[int | None, int | None]:
    """One query under the edition lock: the seats taken (None when no count is needed)
    and the id of a registration in this edition of the same person, committed by a
    simultaneous request. For a person this request creates, that is someone with the
    same e-mail in the same organization (the other request created them too)."""
    looking = not created or bool(person.email)
    counting = (edition.capacity is not None
                and registration.attendance == Attendance.IN_PERSON)
    if not (looking or counting):
        return None, None
    without_organization = person.organization_id is None
    row = db.session.execute(
        _SEATS_AND_DUPLICATE[(created, looking, counting, without_organization)],
        {"edition_id": edition.id, "person_id": person.id, "email": person.email,
         "organization_id": person.organization_id}).one()
    return (row[-1] if counting else None), (row[0] if looking else None)


def _seats_and_duplicate_statement(created: bool, looking: bool, counting: bool,
                                   without_organization: bool) -> Select:
    # Of tables, not of mapped classes: nothing here is an entity, and a Core select
    # skips the ORM's compile and result steps.
    registrations, people = Registration.__table__, Person.__table__
    in_edition = registrations.c.edition_id == bindparam("edition_id")
    columns = []
    if looking and not created:
        columns.append(select(registrations.c.id).where(
            in_edition, registrations.c.person_id == bindparam("person_id"))
            .limit(1).scalar_subquery())
    elif looking:
        columns.append(
            select(registrations.c.id)
            .join(people, registrations.c.person_id == people.c.id)
            .where(in_edition, func.lower(people.c.email) == bindparam("email"),
                   people.c.organization_id.is_(None) if without_organization
                   else people.c.organization_id == bindparam("organization_id"))
            .limit(1).scalar_subquery())
    if counting:
        columns.append(select(func.count()).select_from(registrations).where(
            in_edition, or_(*(registrations.c.status == status for status in SEAT_HOLDING)),
            registrations.c.attendance == Attendance.IN_PERSON).scalar_subquery())
    return select(*columns)


_SEATS_AND_DUPLICATE = {
    (created, looking, counting, without_organization): _seats_and_duplicate_statement(
        created, looking, counting, without_organization)
    for created in (True, False) for looking in (True, False) for counting in (True, False)
    for without_organization in (True, False) if looking or counting}


def list_registrations(actor: Actor, slug: str, filters: dict[str, Any]) -> Select:
    return _roster(actor, slug, filters, shown_columns_only=False).query


@dataclass(frozen=True)
class Roster:
    """The roster's select (ordered by id) and the select that counts its rows."""

    query: Select
    count: Select


# What a roster row of the API does not show (RegistrationSchema): not read for its list,
# and raising if read (instead of a query per row). Built once: they never change.
_UNREAD_REGISTRATION_COLUMNS = (defer(Registration.updated_at, raiseload=True),)
_UNREAD_PERSON_COLUMNS = tuple(defer(column, raiseload=True) for column in (
    Person.honorific, Person.phone, Person.created_at, Person.updated_at))
_UNREAD_ORGANIZATION_COLUMNS = tuple(defer(column, raiseload=True) for column in (
    Organization.parent_id, Organization.website, Organization.created_at,
    Organization.updated_at))


def roster(actor: Actor, slug: str, filters: dict[str, Any]) -> Roster:
    """The roster as the API lists it: its rows read only the columns they show (a page
    converts a hundred rows of each). Reading another one raises rather than costing a
    query per row: a new field of the API's rows is added to the query here."""
    return _roster(actor, slug, filters, shown_columns_only=True)


def _roster(actor: Actor, slug: str, filters: dict[str, Any], *, shown_columns_only: bool
            ) -> Roster:
    """The edition's registrations, filtered, with their people (and, while the edition
    is live, their organizations) loaded by the joins that filter them: people are
    joined once, not a second time to be loaded. The count joins people and
    organizations only to filter by organization or country: every registration has
    exactly one person, and a person at most one organization."""
    authorize(actor, Permission.READ_INTERNAL)
    # The roster reads the edition's id and status only: not its series and host.
    edition = get_edition(actor, slug, related=False)
    # Filtered by the organizations as the edition shows them (archived: as they were).
    query, organization = snapshot.join_registrants_organizations(
        select(Registration).join(Person, Registration.person_id == Person.id)
        .where(Registration.edition_id == edition.id), edition)
    loaded = contains_eager(Registration.person)
    if shown_columns_only:
        query = query.options(*_UNREAD_REGISTRATION_COLUMNS,
                              loaded.options(*_UNREAD_PERSON_COLUMNS))
    if edition.status != EditionStatus.ARCHIVED:
        # The join is the person's own organization only while the edition is live.
        loaded = loaded.contains_eager(Person.organization)
        if shown_columns_only:
            query = query.options(loaded.options(*_UNREAD_ORGANIZATION_COLUMNS))
    query = query.options(loaded)
    count = select(func.count()).select_from(Registration).where(
        Registration.edition_id == edition.id)
    if status := filters.get("status"):
        query = query.where(Registration.status == status)
        count = count.where(Registration.status == status)
    if role := filters.get("role"):
        query = query.where(Registration.role == role)
        count = count.where(Registration.role == role)
    if attendance := filters.get("attendance"):
        query = query.where(Registration.attendance == attendance)
        count = count.where(Registration.attendance == attendance)
    by_organization = False
    if (organization_id := filters.get("organization_id")) is not None:
        query = query.where(organization("id") == organization_id)
        by_organization = True
    if code := filters.get("country_code"):
        query = query.where(organization("country_code") == code.upper())
        by_organization = True
    if by_organization:
        count = select(func.count()).select_from(query.subquery())
    # The rows are shown as the edition shows its people: the session remembers how, so
    # serializing them does not read the edition again.
    snapshot.shown(edition)
    # The index on (edition_id, id) serves this order: a page reads its rows in order
    # instead of sorting the whole edition.
    return Roster(query.order_by(Registration.id), count)


def get_registration(actor: Actor, slug: str, registration_id: int) -> Registration:
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.edition_id != edition.id:
        raise NotFound(N_("Edition “%(slug)s” has no registration %(id)s."),
                       code="registration.not_found", slug=slug, id=registration_id)
    return registration


def _transition(actor: Actor, slug: str, registration_id: int,
                allowed_from: tuple[RegistrationStatus, ...], target: RegistrationStatus
                ) -> tuple[Edition, Registration]:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _editable_edition(actor, slug)
    lock_edition_for_capacity(edition)
    # Read under the lock, replacing any copy read before it (one query, not a second
    # edition lookup and a refresh).
    registration = db.session.scalar(
        select(Registration).where(Registration.id == registration_id,
                                   Registration.edition_id == edition.id)
        .execution_options(populate_existing=True))
    if registration is None:
        raise NotFound(N_("Edition “%(slug)s” has no registration %(id)s."),
                       code="registration.not_found", slug=slug, id=registration_id)
    if registration.status not in allowed_from:
        raise Conflict(N_("A registration that is %(status)s cannot become %(target)s."),
                       code="registration.transition_refused",
                       extra={"current_status": registration.status.value},
                       status=status_term(registration.status), target=status_term(target))
    return edition, registration


# The statuses each action of an organizer starts from: the one rule the services and
# the pages (which offer an action only where it can be taken) both read.
ALLOWED_FROM: dict[str, tuple[RegistrationStatus, ...]] = {
    "confirm": (_R.PENDING, _R.WAITLISTED),
    "reject": (_R.PENDING, _R.WAITLISTED),
    "cancel": ACTIVE,
}


def credentials_unreviewed(registration: Registration) -> bool:
    """Whether the registration's delegation (an invited one) still needs its credential
    document reviewed before its members can be confirmed."""
    delegation = registration.delegation
    if delegation is None or delegation.invitation_id is None:
        return False
    credential = delegation.credential
    return credential is None or credential.reviewed_at is None


def available_actions(actor: Actor, edition: Edition, registration: Registration
                      ) -> tuple[str, ...]:
    """The actions (confirm, reject, cancel) `actor` may take on `registration` now, in
    that order: by permission, the edition being writable and the registration's status.
    A confirmation that the credential review still blocks is offered (the page says what
    to do first; see credentials_unreviewed)."""
    if not actor.can(Permission.MANAGE_ATTENDANCE) or edition.is_read_only:
        return ()
    return tuple(action for action, statuses in ALLOWED_FROM.items()
                 if registration.status in statuses)


def confirm(actor: Actor, slug: str, registration_id: int) -> Registration:
    edition, registration = _transition(actor, slug, registration_id,
                                        ALLOWED_FROM["confirm"], _R.CONFIRMED)
    if registration.status == _R.WAITLISTED and registration.attendance == (
            Attendance.IN_PERSON) and not _seat_free(edition):
        raise Conflict(N_("The edition is full; this registration stays on the waiting "
                          "list."), code="registration.edition_full",
                       capacity=edition.capacity)
    if credentials_unreviewed(registration):
        raise Conflict(N_("Review the delegation's credentials (note verbale or "
                          "nomination letter) before confirming its members."),
                       code="registration.credentials_unreviewed",
                       extra={"delegation_id": registration.delegation_id})
    registration.status = _R.CONFIRMED
    registration.confirmed_at = utcnow()
    registration.badge_code = registration.badge_code or _new_badge_code()
    db.session.flush()
    notifications.registrations_confirmed([registration])
    return registration


def _release(edition: Edition, registration: Registration, target: RegistrationStatus) -> None:
    registration.status = target
    if target == _R.CANCELLED:
        registration.cancelled_at = utcnow()
    db.session.flush()
    promote_waitlist(edition)


def reject(actor: Actor, slug: str, registration_id: int) -> Registration:
    edition, registration = _transition(actor, slug, registration_id,
                                        ALLOWED_FROM["reject"], _R.REJECTED)
    _release(edition, registration, _R.REJECTED)
    notifications.registrations_released([registration])
    return registration


def cancel(actor: Actor, slug: str, registration_id: int) -> Registration:
    edition, registration = _transition(actor, slug, registration_id,
                                        ALLOWED_FROM["cancel"], _R.CANCELLED)
    _release(edition, registration, _R.CANCELLED)
    notifications.registrations_released([registration])
    return registration


def latest_check_ins(actor: Actor, slug: str, limit: int = 20) -> list[Registration]:
    """The last people checked in, latest first (sorted and cut in SQL)."""
    query = list_registrations(actor, slug, {"status": _R.CONFIRMED})
    return list(db.session.scalars(
        query.where(Registration.checked_in_at.is_not(None)).order_by(None)
        .order_by(Registration.checked_in_at.desc(), Registration.id.desc()).limit(limit)))


def canonical_badge_code(typed: str) -> str:
    """A badge code as stored: what a scanner or a person typed, without regard to case,
    dashes, spaces or the newline a scanner ends with. A URL (a phone's scanner app may
    hand one over) counts by its last path segment or query value."""
    text = typed.strip()
    if "/" in text or "=" in text:
        text = re.split(r"[/=?&#]", text.rstrip("/"))[-1] or text
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _stored_badge_code():
    """The badge code column in the canonical form, in SQL: upper case, no dashes or
    spaces (codes made here are already so; codes brought in from elsewhere may not be)."""
    return func.upper(func.replace(func.replace(Registration.badge_code, "-", ""), " ", ""))


def check_in(actor: Actor, slug: str, badge_code: str) -> Registration:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _editable_edition(actor, slug)
    canonical = canonical_badge_code(badge_code)
    registration = db.session.scalar(
        select(Registration).where(Registration.edition_id == edition.id,
                                   Registration.badge_code.is_not(None),
                                   _stored_badge_code() == canonical)
        .with_for_update(of=Registration)) if canonical else None
    if registration is None:
        raise NotFound(N_("No badge “%(badge)s” in %(slug)s."), code="registration.badge_unknown",
                       badge=badge_code.strip(), slug=slug)
    if registration.status != _R.CONFIRMED:
        raise Conflict(N_("The registration is %(status)s, not confirmed."),
                       code="registration.not_confirmed",
                       status=status_term(registration.status))
    if registration.checked_in_at is not None:
        raise Conflict(N_("%(name)s already checked in at %(checked_in_at)s."),
                       code="registration.already_checked_in",
                       extra={"checked_in_at": registration.checked_in_at.isoformat()},
                       name=registration.person.full_name,
                       checked_in_at=dates.moment(registration.checked_in_at,
                                                  edition.time_zone))
    registration.checked_in_at = utcnow()
    db.session.flush()
    return registration


# Delegations: registered by the focal point through the invitation link ---------------

def delegation_for_invitation(invitation: Invitation, *, create: bool = False
                              ) -> Delegation | None:
    delegation = db.session.scalar(select(Delegation).where(
        Delegation.invitation_id == invitation.id))
    if delegation is None and create:
        delegation = Delegation(edition_id=invitation.edition_id,
                                organization_id=invitation.organization_id,
                                invitation_id=invitation.id)
        db.session.add(delegation)
        db.session.flush()
    return delegation


def active_delegation_size(invitation: Invitation) -> int:
    delegation = delegation_for_invitation(invitation)
    if delegation is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.delegation_id == delegation.id, _status_in(ACTIVE))) or 0


def delegation_members(delegation: Delegation) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.delegation_id == delegation.id, _status_in(ACTIVE))
        .order_by(Registration.id)))


def _validate_members(members: list[dict[str, Any]], quota: int) -> None:
    errors = []
    heads = [i for i, m in enumerate(members) if m["role"] == RegistrationRole.HEAD_OF_DELEGATION]
    if len(heads) != 1:
        errors.append({"field": "members", "location": "json",
                       "message": N_("Name exactly one head of delegation."),
                       "code": "delegation.one_head", "params": {"heads": len(heads)}})
    if len(members) > quota:
        errors.append({"field": "members", "location": "json",
                       "message": N_("The quota is %(quota)s people; %(given)s were given."),
                       "code": "registration.quota_exceeded",
                       "params": {"quota": quota, "given": len(members)}})
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        email = member["email"].strip().lower()
        if email in seen:
            errors.append({"field": f"members.{index}.email", "location": "json",
                           "message": N_("Same e-mail as member %(member)s."),
                           "code": "delegation.same_email",
                           # Counted from 1 for people; the field path counts from 0.
                           "params": {"member": seen[email] + 1}})
        seen[email] = index
    if errors:
        # One refusal names itself (a client reads registration.quota_exceeded and its
        # quota at the top); several are named by the field entries.
        only = errors[0] if len(errors) == 1 else {}
        raise Unprocessable(N_("The delegation cannot be registered as given."),
                            code=only.get("code", "delegation.invalid_members"),
                            errors=errors, **only.get("params", {}))


def register_delegation(token: str, members: list[dict[str, Any]]) -> Delegation:
    """Set the delegation's members to exactly this list (register, amend, remove), up to
    the quota; matched to existing registrations by e-mail."""
    from eventhub.invitations.service import invitation_for_token

    invitation = invitation_for_token(token)
    if invitation.status != InvitationStatus.ACCEPTED:
        from eventhub.invitations.service import status_term as invitation_status

        raise Conflict(N_("The invitation is %(status)s; accept it before registering the "
                          "delegation."), code="delegation.invitation_not_accepted",
                       status=invitation_status(invitation.status))
    edition = db.session.get(Edition, invitation.edition_id)
    _require_open(edition)
    lock_edition_for_capacity(edition)
    # Lock the invitation row only (its organization is eager-joined, and PostgreSQL
    # cannot lock the nullable side of that outer join): two lists sent at once are
    # applied one after the other, so the members never exceed the quota.
    if guard("quota"):
        db.session.execute(select(Invitation).where(Invitation.id == invitation.id)
                           .with_for_update(of=Invitation)
                           .execution_options(populate_existing=True))
    _validate_members(members, invitation.quota)
    delegation = delegation_for_invitation(invitation, create=True)
    before = notifications.delegation_state(delegation)
    current = {r.person.email.lower(): r for r in delegation_members(delegation)
               if r.person.email}
    wanted = {m["email"].strip().lower(): m for m in members}
    for email, registration in current.items():
        if email not in wanted:
            _release(edition, registration, _R.CANCELLED)
    for email, member in wanted.items():
        registration = current.get(email)
        if registration is not None:
            _amend(edition, registration, member)
            continue
        person, _ = _person_for(member, delegation.organization_id)
        earlier = db.session.scalar(select(Registration).where(
            Registration.edition_id == edition.id, Registration.person_id == person.id))
        if earlier is not None and earlier.delegation_id == delegation.id and (
                earlier.status in (_R.CANCELLED, _R.REJECTED)):
            # Put back on the list after being dropped: the same registration returns.
            for key, value in _registration_fields(member).items():
                setattr(earlier, key, value)
            earlier.cancelled_at = None
            _place(earlier, edition)
            continue
        _refuse_second_registration(edition, person)
        registration = Registration(edition_id=edition.id, person=person,
                                    delegation=delegation, **_registration_fields(member))
        registration.attendance = registration.attendance or Attendance.IN_PERSON
        _place(registration, edition)
        db.session.add(registration)
    db.session.flush()
    promote_waitlist(edition)
    notifications.delegation_saved(invitation, delegation, before)
    db.session.expire(delegation)
    return delegation


def _amend(edition: Edition, registration: Registration, member: dict[str, Any]) -> None:
    person = registration.person
    person.full_name = member["full_name"]
    person.position = member.get("position")
    moving_in = (member.get("attendance") == Attendance.IN_PERSON
                 and registration.attendance == Attendance.VIDEO)
    if moving_in and registration.status in SEAT_HOLDING and not _seat_free(
            edition, excluding=registration.id):
        raise Conflict(N_("No seat is left for %(name)s to attend in person; keep attendance "
                          "by video or ask the organizers."), code="registration.no_seat",
                       name=person.full_name)
    for key, value in _registration_fields(member).items():
        setattr(registration, key, value)


def counts(actor: Actor, slug: str) -> dict[str, Any]:
    """The numbers an organizer watches and a statement quotes."""
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    # Grouped in the database: a few dozen groups travel instead of every registration.
    checked = Registration.checked_in_at.is_not(None)
    query, organization = snapshot.join_registrants_organizations(
        select(Registration).join(Person, Registration.person_id == Person.id)
        .where(Registration.edition_id == edition.id), edition)
    columns = (Registration.status, Registration.attendance, checked,
               organization("country_code"), organization("country_name"),
               organization("kind"))
    rows = db.session.execute(
        query.with_only_columns(*columns, func.count()).group_by(*columns)).all()
    by_status = {status.value: 0 for status in RegistrationStatus}
    by_country: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    by_attendance = {attendance.value: 0 for attendance in Attendance}
    checked_in = 0
    for status, attendance, is_checked_in, country_code, country_name, kind, number in rows:
        by_status[status.value] += number
        if status != _R.CONFIRMED:
            continue
        by_attendance[attendance.value] += number
        checked_in += number if is_checked_in else 0
        # A region without an ISO code is counted by its recorded name.
        place = country_code or country_name
        if place:
            by_country[place] = by_country.get(place, 0) + number
        kind_key = kind.value if kind else "unaffiliated"
        by_kind[kind_key] = by_kind.get(kind_key, 0) + number
    return {
        "edition": edition.slug, "capacity": edition.capacity,
        "seats_taken": seats_taken(edition), "by_status": by_status,
        "confirmed_by_attendance": by_attendance, "checked_in": checked_in,
        "confirmed_countries_and_regions": len(by_country),
        "confirmed_by_country": dict(sorted(by_country.items())),
        "confirmed_by_organization_kind": dict(sorted(by_kind.items())),
    }


def list_delegations(actor: Actor, slug: str) -> list[Delegation]:
    authorize(actor, Permission.READ_INTERNAL)
    edition = get_edition(actor, slug)
    return list(db.session.scalars(select(Delegation).where(
        Delegation.edition_id == edition.id).order_by(Delegation.id)))


# Several registrations at once, and a registration's history (organizer pages) ---------

@dataclass
class RowOutcome:
    """What became of one registration of a bulk action: `done`, or the refusal that left
    it as it was."""

    registration_id: int
    registration: Registration | None
    done: bool
    error: DomainError | None = None

    @property
    def code(self) -> str | None:
        return self.error.code if self.error is not None else None


def _each(actor: Actor, slug: str, ids: list[int], action) -> list[RowOutcome]:
    """`action` on each registration, one after the other: a refusal (every check runs
    before anything changes) leaves that one as it was and the others go on."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = _editable_edition(actor, slug)
    lock_edition_for_capacity(edition)
    outcomes = []
    for registration_id in dict.fromkeys(ids):
        try:
            registration = action(actor, slug, registration_id)
        except DomainError as exc:
            if isinstance(exc, Busy):
                raise
            found = db.session.get(Registration, registration_id)
            if found is not None and found.edition_id != edition.id:
                found = None
            outcomes.append(RowOutcome(registration_id, found, False, exc))
            continue
        outcomes.append(RowOutcome(registration_id, registration, True))
    return outcomes


def confirm_many(actor: Actor, slug: str, ids: list[int]) -> list[RowOutcome]:
    """Confirm each registration in `ids` that can be; each refused one is reported with
    its reason (not pending, credentials not reviewed, the edition full...)."""
    return _each(actor, slug, ids, confirm)


def reject_many(actor: Actor, slug: str, ids: list[int]) -> list[RowOutcome]:
    """Reject each registration in `ids` that can be; each refused one is reported."""
    return _each(actor, slug, ids, reject)


def registration_history(actor: Actor, slug: str, registration_id: int) -> list[Any]:
    """The audit trail of one registration, its passport details and its delegation's
    credential document, oldest first: who
    changed what, and when. Private values are not in the trail (it says only that they
    changed)."""
    from eventhub.audit.models import AuditEntry

    registration = get_registration(actor, slug, registration_id)
    objects = [("registrations", str(registration.id))]
    if registration.visa_request is not None:
        objects.append(("visa_requests", str(registration.visa_request.id)))
    delegation = registration.delegation
    if delegation is not None and delegation.credential is not None:
        # The delegation's credential document: its upload and review decide confirmation.
        objects.append(("credential_documents", str(delegation.credential.id)))
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.edition_id == registration.edition_id,
        or_(*(and_(AuditEntry.table_name == table, AuditEntry.object_id == object_id)
              for table, object_id in objects)))
        .order_by(AuditEntry.at, AuditEntry.id)))
