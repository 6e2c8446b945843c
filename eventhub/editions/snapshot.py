"""What an edition shows about organizations and people.

An edition that is a draft, open or closed shows the live directory: people change jobs
and organizations change names while an edition is prepared and held, and its pages,
invitations and statement should say what is true now. When the edition is archived,
what it shows is frozen with it: the organizations it names (the host, participants,
exhibitors, invited and delegating organizations, the organizations of its people, and
the parents of all these) and its people (speakers and registrants: name, honorific,
position and organization) are copied into the snapshot tables (OrganizationSnapshot,
PersonSnapshot, keyed by edition and the live row's id). Every read of an archived
edition goes through `shown(edition)`, the `*_as_shown` properties of the models, or
`as_shown()` in SQL, and so reads the snapshot; the live directory keeps changing for the
editions to come. Contact details are not frozen: they are private, and stay with the
directory entry.

Snapshot rows exist only for archived editions, so "a snapshot row exists" and "the
edition is archived" say the same. An archived edition without a row for someone (only
possible for rows written behind the application's back) shows the live entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, event, inspect, select, union
from sqlalchemy.orm import Session, aliased

from eventhub.directory.models import Organization, OrganizationKind, Person
from eventhub.editions.models import (
    Edition,
    EditionStatus,
    OrganizationSnapshot,
    Participation,
    PersonSnapshot,
)
from eventhub.extensions import db

# The values a snapshot keeps, as the directory names them.
ORGANIZATION_FIELDS = ("name", "kind", "acronym", "country_code", "country_name", "website",
                       "parent_id")
PERSON_FIELDS = ("full_name", "honorific", "position", "organization_id")


@dataclass(eq=False)
class ShownOrganization:
    """An organization as an archived edition shows it; reads like an Organization."""

    id: int
    name: str
    kind: OrganizationKind
    acronym: str | None
    country_code: str | None
    country_name: str | None
    website: str | None
    parent_id: int | None
    directory: ShownDirectory | None = field(default=None, repr=False)

    @property
    def parent(self) -> ShownOrganization | Organization | None:
        """The parent as the same edition shows it."""
        return None if self.directory is None else self.directory.organization(self.parent_id)


@dataclass(eq=False)
class ShownPerson:
    """A person as an archived edition shows them; reads like a Person. The contact
    details are the directory's current ones (private, and never frozen)."""

    id: int
    full_name: str
    honorific: str | None
    position: str | None
    organization_id: int | None
    organization: ShownOrganization | Organization | None
    email: str | None = None
    phone: str | None = None


class ShownDirectory:
    """Organizations and people as one edition shows them: the live rows, or for an
    archived edition its snapshot (loaded once per session, two queries)."""

    def __init__(self, edition_id: int, frozen: bool):
        self.edition_id = edition_id
        self.frozen = frozen
        self._organizations: dict[int, ShownOrganization] | None = None
        self._people: dict[int, ShownPerson] | None = None

    # Single rows ----------------------------------------------------------------------

    def organization(self, organization_id: int | None,
                     live: Callable[[], Organization | None] | None = None
                     ) -> ShownOrganization | Organization | None:
        if organization_id is None:
            return None
        if self.frozen and (found := self._frozen_organizations().get(organization_id)):
            return found
        return live() if live is not None else db.session.get(Organization, organization_id)

    def person(self, person_id: int | None, live: Callable[[], Person | None] | None = None
               ) -> ShownPerson | Person | None:
        if person_id is None:
            return None
        if self.frozen and (found := self._frozen_people().get(person_id)):
            return found
        return live() if live is not None else db.session.get(Person, person_id)

    # Many rows ------------------------------------------------------------------------

    def organizations(self, ids: Iterable[int | None]) -> dict[int, Any]:
        wanted = {i for i in ids if i is not None}
        found: dict[int, Any] = {}
        if self.frozen:
            frozen = self._frozen_organizations()
            found = {i: frozen[i] for i in wanted if i in frozen}
        if missing := wanted - found.keys():
            found.update({o.id: o for o in db.session.scalars(
                select(Organization).where(Organization.id.in_(missing)))})
        return found

    def people(self, ids: Iterable[int | None]) -> dict[int, Any]:
        wanted = {i for i in ids if i is not None}
        found: dict[int, Any] = {}
        if self.frozen:
            frozen = self._frozen_people()
            found = {i: frozen[i] for i in wanted if i in frozen}
        if missing := wanted - found.keys():
            found.update({p.id: p for p in db.session.scalars(
                select(Person).where(Person.id.in_(missing)))})
        return found

    def with_parents(self, ids: Iterable[int | None]) -> list[Any]:
        """The organizations and, as shown, their parents, grandparents ...: by id."""
        found: dict[int, Any] = {}
        pending = {i for i in ids if i is not None}
        while pending:
            rows = self.organizations(pending)
            found.update(rows)
            pending = {o.parent_id for o in rows.values()
                       if o.parent_id is not None and o.parent_id not in found}
        return [found[i] for i in sorted(found)]

    # Loading the snapshot ---------------------------------------------------------------

    def _frozen_organizations(self) -> dict[int, ShownOrganization]:
        if self._organizations is None:
            rows = db.session.scalars(select(OrganizationSnapshot).where(
                OrganizationSnapshot.edition_id == self.edition_id))
            self._organizations = {row.organization_id: shown_from(row, self) for row in rows}
        return self._organizations

    def _frozen_people(self) -> dict[int, ShownPerson]:
        if self._people is None:
            organizations = self._frozen_organizations()
            # Plain rows, not mapped objects: an edition may name thousands of people.
            rows = db.session.execute(
                select(PersonSnapshot.person_id,
                       *(getattr(PersonSnapshot, f) for f in PERSON_FIELDS),
                       Person.email, Person.phone)
                .join(Person, Person.id == PersonSnapshot.person_id)
                .where(PersonSnapshot.edition_id == self.edition_id))
            self._people = {row.person_id: ShownPerson(
                id=row.person_id, **{f: getattr(row, f) for f in PERSON_FIELDS},
                organization=organizations.get(row.organization_id)
                if row.organization_id is not None else None,
                email=row.email, phone=row.phone) for row in rows}
        return self._people


def shown_from(row: OrganizationSnapshot, directory: ShownDirectory | None
               ) -> ShownOrganization:
    return ShownOrganization(id=row.organization_id, directory=directory,
                             **{f: getattr(row, f) for f in ORGANIZATION_FIELDS})


def organizations_by_edition(pairs: Iterable[tuple[Edition, int]]) -> dict[tuple[int, int], Any]:
    """Many (edition, organization id) pairs as each edition shows the organization, in
    two queries whatever the number of editions."""
    pairs = [(edition, organization_id) for edition, organization_id in pairs
             if organization_id is not None]
    archived = {edition.id: edition for edition, _ in pairs
                if edition.status == EditionStatus.ARCHIVED}
    found: dict[tuple[int, int], Any] = {}
    if archived:
        wanted = {(e.id, o) for e, o in pairs if e.id in archived}
        for row in db.session.scalars(select(OrganizationSnapshot).where(
                OrganizationSnapshot.edition_id.in_(archived),
                OrganizationSnapshot.organization_id.in_({o for _, o in wanted}))):
            if (row.edition_id, row.organization_id) in wanted:
                found[(row.edition_id, row.organization_id)] = shown_from(
                    row, shown(archived[row.edition_id]))
    missing = {o for e, o in pairs if (e.id, o) not in found}
    if missing:
        live = {o.id: o for o in db.session.scalars(
            select(Organization).where(Organization.id.in_(missing)))}
        found.update({(e.id, o): live[o] for e, o in pairs if (e.id, o) not in found})
    return found


_CACHE = "eventhub_shown_directories"


def _cache() -> dict[int, ShownDirectory]:
    return db.session.info.setdefault(_CACHE, {})


@event.listens_for(Session, "after_rollback")
def _forget_everything(session: Session) -> None:
    # What was loaded may have been rolled back with the rest (a snapshot just taken).
    session.info.pop(_CACHE, None)


def shown(edition: Edition) -> ShownDirectory:
    """How this edition shows organizations and people (cached for the session)."""
    frozen = edition.status == EditionStatus.ARCHIVED
    directory = _cache().get(edition.id)
    if directory is None or directory.frozen != frozen:
        directory = _cache()[edition.id] = ShownDirectory(edition.id, frozen)
    return directory


def _shown_by_id(edition_id: int) -> ShownDirectory | None:
    # Rows of a list ask one after the other: the session's answer for the edition saves
    # looking the edition up again (archiving, which changes it, calls forget()).
    if (directory := _cache().get(edition_id)) is not None:
        return directory
    edition = db.session.get(Edition, edition_id)
    return None if edition is None else shown(edition)


def shown_organization(edition_id: int, organization_id: int | None,
                       live: Callable[[], Organization | None]
                       ) -> ShownOrganization | Organization | None:
    directory = _shown_by_id(edition_id)
    if directory is None or not directory.frozen:
        return live()
    return directory.organization(organization_id, live)


def shown_person(edition_id: int, person_id: int | None, live: Callable[[], Person | None]
                 ) -> ShownPerson | Person | None:
    directory = _shown_by_id(edition_id)
    if directory is None or not directory.frozen:
        return live()
    return directory.person(person_id, live)


def people_of_registrations(registrations: Iterable[Any]) -> list[ShownPerson | Person | None]:
    """Each registration's person as its edition shows them, in order: what shown_person()
    answers row by row, with how each edition shows its people looked up once for the
    list rather than once per row (a roster page has a hundred)."""
    directories: dict[int, ShownDirectory | None] = {}
    people: list[ShownPerson | Person | None] = []
    for registration in registrations:
        edition_id = registration.edition_id
        if edition_id in directories:
            directory = directories[edition_id]
        else:
            directory = directories[edition_id] = _shown_by_id(edition_id)
        if directory is None or not directory.frozen:
            people.append(registration.person)
        else:
            people.append(directory.person(registration.person_id,
                                           lambda registration=registration:
                                           registration.person))
    return people


def forget(edition_id: int) -> None:
    """Drop what this session has loaded of the edition's snapshot (after changing it)."""
    _cache().pop(edition_id, None)


# In SQL -------------------------------------------------------------------------------

def as_shown(snapshot: Any, live: Any, name: str) -> Any:
    """A column as the edition shows it, for a query that outer-joins the snapshot row
    (`snapshot`, an alias of OrganizationSnapshot or PersonSnapshot, on edition and id) to
    the live row (`live`): the snapshot's value where there is one."""
    key = (snapshot.organization_id if inspect(snapshot).mapper.class_ is OrganizationSnapshot
           else snapshot.person_id)
    return case((key.is_not(None), getattr(snapshot, name)), else_=getattr(live, name))


def organization_snapshot() -> Any:
    return aliased(OrganizationSnapshot)


def person_snapshot() -> Any:
    return aliased(PersonSnapshot)


def join_registrants_organizations(query: Select, edition: Edition
                                   ) -> tuple[Select, Callable[[str], Any]]:
    """Join a query of the edition's registrations (already joined to Person) to their
    organizations as the edition shows them; returns the query and the organization's
    column by name ("id", "country_code", "kind", ...)."""
    from eventhub.registrations.models import Registration

    if edition.status != EditionStatus.ARCHIVED:
        query = query.outerjoin(Organization, Person.organization_id == Organization.id)
        return query, lambda name: getattr(Organization, name)
    person = person_snapshot()
    organization = organization_snapshot()
    organization_id = as_shown(person, Person, "organization_id")
    query = (query.outerjoin(person, (person.edition_id == Registration.edition_id)
                             & (person.person_id == Registration.person_id))
             .outerjoin(Organization, Organization.id == organization_id)
             .outerjoin(organization, (organization.edition_id == Registration.edition_id)
                        & (organization.organization_id == Organization.id)))
    return query, lambda name: (Organization.id if name == "id"
                                else as_shown(organization, Organization, name))


# Taking the snapshot --------------------------------------------------------------------

def named_in(edition: Edition) -> tuple[set[int], set[int]]:
    """The people (speakers and registrants) and the organizations (host, participants,
    exhibitors, invited and delegating organizations) an edition names, by id; the
    organizations of its people and the parents come on top."""
    from eventhub.invitations.models import Invitation
    from eventhub.programme.models import Exhibitor, ProgrammeItem, Speech
    from eventhub.registrations.models import Delegation, Registration

    person_ids = set(db.session.scalars(union(
        select(Speech.person_id).join(ProgrammeItem, ProgrammeItem.id == Speech.item_id)
        .where(ProgrammeItem.edition_id == edition.id),
        select(Registration.person_id).where(Registration.edition_id == edition.id))))
    organization_ids = set(db.session.scalars(union(*(
        select(model.organization_id).where(model.edition_id == edition.id)
        for model in (Participation, Exhibitor, Invitation, Delegation)))))
    if edition.host_organization_id is not None:
        organization_ids.add(edition.host_organization_id)
    return person_ids, organization_ids


def take(edition: Edition) -> None:
    """Freeze what the edition shows of the live directory now (when it is archived)."""
    person_ids, organization_ids = named_in(edition)
    people = list(db.session.scalars(select(Person).where(Person.id.in_(person_ids))
                                     .order_by(Person.id)))
    organization_ids |= {p.organization_id for p in people if p.organization_id is not None}
    live = ShownDirectory(edition.id, frozen=False)
    store(edition.id,
          [{"organization_id": o.id, **{f: getattr(o, f) for f in ORGANIZATION_FIELDS}}
           for o in live.with_parents(organization_ids)],
          [{"person_id": p.id, **{f: getattr(p, f) for f in PERSON_FIELDS}} for p in people])


def store(edition_id: int, organizations: list[dict[str, Any]],
          people: list[dict[str, Any]]) -> None:
    """Write an edition's snapshot rows: parents before the organizations under them,
    then the people (the rows refer to each other within the snapshot). An edition may
    name thousands of people: the rows go in bulk, each with its audit entry."""
    from eventhub.audit.bulk import insert_rows

    placed: set[int] = set()
    ordered: list[dict[str, Any]] = []
    pending = sorted(organizations, key=lambda row: row["organization_id"])
    while pending:
        ready = [row for row in pending
                 if row["parent_id"] is None or row["parent_id"] in placed]
        if not ready:
            raise ValueError("The organizations' parents form a cycle.")
        ordered.extend(ready)
        placed.update(row["organization_id"] for row in ready)
        pending = [row for row in pending if row["organization_id"] not in placed]
    insert_rows(OrganizationSnapshot.__table__,
                [{"edition_id": edition_id, **row} for row in ordered])
    insert_rows(PersonSnapshot.__table__,
                [{"edition_id": edition_id, **row}
                 for row in sorted(people, key=lambda row: row["person_id"])])
    forget(edition_id)


# Anonymization --------------------------------------------------------------------------

def rename_person(edition_id: int, person_id: int, full_name: str) -> None:
    """A private delegate leaves the snapshot too: name replaced, position and honorific
    gone (the organization stays, as every count keeps them)."""
    row = db.session.get(PersonSnapshot, (edition_id, person_id))
    if row is not None:
        row.full_name = full_name
        row.honorific = None
        row.position = None
    forget(edition_id)


def replace_person(edition_id: int, person_id: int, stand_in: Person) -> None:
    """The edition now names `stand_in` (nameless) where it named `person_id`: the
    snapshot row moves to the stand-in, keeping the organization the edition showed."""
    row = db.session.get(PersonSnapshot, (edition_id, person_id))
    if row is not None:
        organization_id = row.organization_id
        db.session.delete(row)
        db.session.flush()
        db.session.add(PersonSnapshot(edition_id=edition_id, person_id=stand_in.id,
                                      full_name=stand_in.full_name,
                                      organization_id=organization_id))
        db.session.flush()
    forget(edition_id)
