from __future__ import annotations

from typing import Any

import pycountry
from sqlalchemy import Select, func, or_, select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, OrganizationKind, Person
from eventhub.errors import Conflict, Counts, NotFound, Term, Unprocessable
from eventhub.extensions import db
from eventhub.i18n import N_, ngettext, translate


def country_name_for(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        raise Unprocessable.for_field("country_code",
                                      N_("“%(country_code)s” is not an ISO 3166-1 alpha-2 "
                                         "country code."),
                                      code="directory.unknown_country", country_code=code)
    return getattr(country, "common_name", None) or country.name


def _apply_country(values: dict[str, Any]) -> None:
    """Validate a country code and fill in the country's name unless one was given
    (a region may prefer its own usual name)."""
    code = values.get("country_code")
    if code is None:
        return
    values["country_code"] = code.upper()
    official_name = country_name_for(code)
    if not values.get("country_name"):
        values["country_name"] = official_name


def _refuse_duplicate_name(name: str, country_code: str | None, exclude_id: int | None) -> None:
    query = select(Organization.id).where(func.lower(Organization.name) == name.lower())
    query = query.where(Organization.country_code.is_(None) if country_code is None
                        else Organization.country_code == country_code)
    if exclude_id is not None:
        query = query.where(Organization.id != exclude_id)
    existing = db.session.scalar(query)
    if existing is not None:
        raise Conflict(N_("Organization “%(name)s” already exists (id %(id)s)."),
                       code="organization.duplicate", extra={"existing_id": existing},
                       name=name, id=existing)


def _check_parent(parent_id: int | None, own_id: int | None) -> None:
    if parent_id is None:
        return
    seen = {own_id}
    current = db.session.get(Organization, parent_id)
    if current is None:
        raise Unprocessable.for_field("parent_id", N_("No organization with id %(id)s."),
                                      code="organization.not_found", id=parent_id)
    while current is not None:
        if current.id in seen:
            raise Unprocessable.for_field("parent_id",
                                          N_("An organization cannot be its own ancestor."),
                                          code="organization.own_ancestor")
        seen.add(current.id)
        current = current.parent


def _contains(column, text: str):
    """Case-insensitive substring match; % and _ in the text are literal characters."""
    return func.lower(column).contains(text.lower(), autoescape=True)


def list_organizations(actor: Actor, filters: dict[str, Any]) -> Select:
    authorize(actor, Permission.READ_INTERNAL)
    query = select(Organization)
    if kind := filters.get("kind"):
        query = query.where(Organization.kind == kind)
    if code := filters.get("country_code"):
        query = query.where(Organization.country_code == code.upper())
    if (parent_id := filters.get("parent_id")) is not None:
        query = query.where(Organization.parent_id == parent_id)
    if text := filters.get("q"):
        query = query.where(or_(_contains(Organization.name, text),
                                _contains(Organization.acronym, text)))
    return query.order_by(Organization.name, Organization.id)


def get_organization(actor: Actor, organization_id: int) -> Organization:
    authorize(actor, Permission.READ_INTERNAL)
    return _load_organization(organization_id)


def _load_organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(N_("No organization with id %(id)s."), code="organization.not_found",
                       id=organization_id)
    return organization


def create_organization(actor: Actor, values: dict[str, Any]) -> Organization:
    authorize(actor, Permission.MANAGE_DIRECTORY)
    values = dict(values)
    values["kind"] = OrganizationKind(values["kind"])
    _apply_country(values)
    _refuse_duplicate_name(values["name"], values.get("country_code"), None)
    _check_parent(values.get("parent_id"), None)
    organization = Organization(**values)
    db.session.add(organization)
    db.session.flush()
    return organization


def update_organization(actor: Actor, organization_id: int,
                        changes: dict[str, Any]) -> Organization:
    authorize(actor, Permission.MANAGE_DIRECTORY)
    organization = _load_organization(organization_id)
    changes = dict(changes)
    _apply_country(changes)
    if "name" in changes or "country_code" in changes:
        _refuse_duplicate_name(changes.get("name", organization.name),
                               changes.get("country_code", organization.country_code),
                               organization.id)
    if "parent_id" in changes:
        _check_parent(changes["parent_id"], organization.id)
    for key, value in changes.items():
        setattr(organization, key, value)
    db.session.flush()
    # Reload relationships (parent) so the response reflects the new foreign keys.
    db.session.expire(organization)
    return organization


def delete_organization(actor: Actor, organization_id: int) -> None:
    authorize(actor, Permission.MANAGE_DIRECTORY)
    organization = _load_organization(organization_id)
    references = organization_references(organization.id)
    if references:
        raise Conflict(N_("Organization “%(name)s” is still referenced by %(references)s."),
                       code="organization.referenced", extra={"references": references},
                       name=organization.name, references=Counts(references, _reference_words))
    db.session.delete(organization)
    db.session.flush()


def organization_references(organization_id: int) -> dict[str, int]:
    """What still points at an organization; deleting it would lose that history."""
    from eventhub.editions.models import Edition, OrganizationSnapshot, Participation
    from eventhub.invitations.models import Invitation
    from eventhub.programme.models import Exhibitor
    from eventhub.registrations.models import Delegation

    checks = {
        "people": select(func.count()).where(Person.organization_id == organization_id),
        "member organizations": select(func.count()).where(
            Organization.parent_id == organization_id),
        "hosted editions": select(func.count()).where(
            Edition.host_organization_id == organization_id),
        "edition participations": select(func.count()).where(
            Participation.organization_id == organization_id),
        "invitations": select(func.count()).where(Invitation.organization_id
                                                  == organization_id),
        "delegations": select(func.count()).where(Delegation.organization_id
                                                  == organization_id),
        "exhibitor stands": select(func.count()).where(Exhibitor.organization_id
                                                       == organization_id),
        # An archived edition's record names it (itself, or as the parent it showed).
        "archived edition records": select(func.count()).select_from(OrganizationSnapshot)
        .where(or_(OrganizationSnapshot.organization_id == organization_id,
                   OrganizationSnapshot.parent_id == organization_id)),
    }
    counts = {what: db.session.scalar(query) or 0 for what, query in checks.items()}
    return {what: count for what, count in counts.items() if count}


def person_references(person_id: int) -> dict[str, int]:
    """What points at a person: their registrations and speeches (what a merge moves)."""
    from eventhub.programme.models import Speech
    from eventhub.registrations.models import Registration

    checks = {
        "registrations": select(func.count()).where(Registration.person_id == person_id),
        "speeches": select(func.count()).where(Speech.person_id == person_id),
    }
    counts = {what: db.session.scalar(query) or 0 for what, query in checks.items()}
    return {what: count for what, count in counts.items() if count}


def _reference_words(what: str, count: int) -> str:
    words = {
        "people": lambda: ngettext("%(num)s person", "%(num)s people", count),
        "member organizations": lambda: ngettext(
            "%(num)s member organization", "%(num)s member organizations", count),
        "hosted editions": lambda: ngettext("%(num)s hosted edition",
                                            "%(num)s hosted editions", count),
        "edition participations": lambda: ngettext(
            "%(num)s edition participation", "%(num)s edition participations", count),
        "archived edition records": lambda: ngettext(
            "%(num)s archived edition record", "%(num)s archived edition records", count),
        "registrations": lambda: ngettext("%(num)s registration", "%(num)s registrations",
                                          count),
        "speeches": lambda: ngettext("%(num)s speech", "%(num)s speeches", count),
        "invitations": lambda: ngettext("%(num)s invitation", "%(num)s invitations", count),
        "delegations": lambda: ngettext("%(num)s delegation", "%(num)s delegations", count),
        "exhibitor stands": lambda: ngettext("%(num)s exhibitor stand",
                                             "%(num)s exhibitor stands", count),
    }
    return words[what]() if what in words else f"{count} {what}"


def list_people(actor: Actor, filters: dict[str, Any]) -> Select:
    authorize(actor, Permission.READ_INTERNAL)
    query = select(Person)
    if (organization_id := filters.get("organization_id")) is not None:
        query = query.where(Person.organization_id == organization_id)
    if text := filters.get("q"):
        query = query.where(or_(_contains(Person.full_name, text),
                                _contains(Person.position, text)))
    return query.order_by(Person.full_name, Person.id)


def get_person(actor: Actor, person_id: int) -> Person:
    authorize(actor, Permission.READ_INTERNAL)
    return _load_person(person_id)


def _load_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("No person with id %(id)s."), code="person.not_found", id=person_id)
    return person


def _check_person_organization(organization_id: int | None) -> None:
    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        raise Unprocessable.for_field("organization_id", N_("No organization with id %(id)s."),
                                      code="organization.not_found", id=organization_id)


def create_person(actor: Actor, values: dict[str, Any]) -> Person:
    authorize(actor, Permission.MANAGE_DIRECTORY)
    _check_person_organization(values.get("organization_id"))
    person = Person(**values)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(actor: Actor, person_id: int, changes: dict[str, Any]) -> Person:
    authorize(actor, Permission.MANAGE_DIRECTORY)
    person = _load_person(person_id)
    if "organization_id" in changes:
        _check_person_organization(changes["organization_id"])
    for key, value in changes.items():
        setattr(person, key, value)
    db.session.flush()
    db.session.expire(person)
    return person


def delete_person(actor: Actor, person_id: int) -> None:
    authorize(actor, Permission.MANAGE_DIRECTORY)
    person = _load_person(person_id)
    from eventhub.programme.models import Speech

    speeches = db.session.scalar(select(func.count()).where(Speech.person_id == person.id))
    if speeches:
        raise Conflict(N_("%(name)s speaks in %(speeches)s programme item(s); remove those "
                          "speeches first."), code="person.speaks",
                       extra={"references": {"speeches": speeches}},
                       name=person.full_name, speeches=speeches)
    db.session.delete(person)
    db.session.flush()


def find_organization(name: str, country_code: str | None) -> Organization | None:
    query = select(Organization).where(Organization.name == name)
    query = query.where(Organization.country_code.is_(None) if country_code is None
                        else Organization.country_code == country_code)
    return db.session.scalar(query)



# Merging duplicates ---------------------------------------------------------------------
#
# Two directory entries for one organization (or one person) become one: every row that
# points at the duplicate is pointed at the entry kept, blank fields of the kept entry are
# filled from the duplicate, and the duplicate is deleted. Nothing else of the kept entry
# changes.
#
# The archive is a snapshot: an archived edition reads the organizations and people it
# names from its own frozen rows, keyed by the live entry's id. Repointing those rows
# would change how the edition reads (and deleting the duplicate would leave them without
# their entry), so a merge whose duplicate any archived edition names is refused. The
# merge the other way round (keeping the archived entry) is usually what is wanted, and
# the refusal says so. A kept entry named by archived editions is fine: its live row
# gains references, the frozen rows stay as they are.
#
# Rows that may exist once per edition (a participation, an invitation, a delegation, an
# exhibitor stand; a person's registration) cannot be merged when both entries have one
# in the same edition: the organizers must first decide which one stays.

ORGANIZATION_FILL_IN = ("acronym", "website")
PERSON_FILL_IN = ("honorific", "position", "organization_id", "email", "phone")


def _locked(model: type, ids: tuple[int, int]) -> None:
    """Lock both rows in id order (two merges of the same pair do not deadlock)."""
    db.session.execute(select(model.id).where(model.id.in_(sorted(ids)))
                       .order_by(model.id).with_for_update())


def _edition_slugs(edition_ids: Any) -> list[str]:
    from eventhub.editions.models import Edition

    return list(db.session.scalars(select(Edition.slug).where(Edition.id.in_(edition_ids))
                                   .order_by(Edition.start_date, Edition.id)))


def _refuse_merge_into_itself(keep_id: int, duplicate_id: int) -> None:
    if keep_id == duplicate_id:
        raise Unprocessable.for_field("duplicate_id",
                                      N_("An entry cannot be merged into itself."),
                                      code="directory.merge_same")


def _refuse_archived(name: str, edition_ids: Any) -> None:
    slugs = _edition_slugs(edition_ids)
    if slugs:
        raise Conflict(N_("“%(name)s” is part of the record of archived editions "
                          "(%(editions)s), which cannot change. Keep this entry and merge "
                          "the other one into it instead."),
                       code="directory.merge_archived", name=name, editions=", ".join(slugs),
                       extra={"editions": slugs})


# What only one entry may have per edition, as a refused merge names it.
_ONCE_PER_EDITION = {
    "edition participations": N_("a participation"), "invitations": N_("an invitation"),
    "delegations": N_("a delegation"), "exhibitor stands": N_("an exhibitor stand"),
    "registrations": N_("a registration"),
}


def _refuse_same_edition(what: str, edition_ids: set[int]) -> None:
    if edition_ids:
        slugs = _edition_slugs(edition_ids)
        raise Conflict(N_("Both entries have %(what)s in the same edition (%(editions)s): "
                          "remove one of them first."),
                       code="directory.merge_same_edition",
                       what=Term(what, lambda: translate(_ONCE_PER_EDITION[what])),
                       editions=", ".join(slugs), extra={"editions": slugs, "what": what})


def _archived_editions_naming_organization(organization_id: int) -> Any:
    from eventhub.editions.models import (
        Edition,
        EditionStatus,
        OrganizationSnapshot,
        Participation,
        PersonSnapshot,
    )
    from eventhub.invitations.models import Invitation
    from eventhub.programme.models import Exhibitor
    from eventhub.registrations.models import Delegation

    archived = select(Edition.id).where(Edition.status == EditionStatus.ARCHIVED)
    naming = [
        select(OrganizationSnapshot.edition_id).where(or_(
            OrganizationSnapshot.organization_id == organization_id,
            OrganizationSnapshot.parent_id == organization_id)),
        select(PersonSnapshot.edition_id).where(
            PersonSnapshot.organization_id == organization_id),
        select(Edition.id).where(Edition.host_organization_id == organization_id),
        *(select(model.edition_id).where(model.organization_id == organization_id)
          for model in (Participation, Invitation, Delegation, Exhibitor)),
    ]
    return [edition_id for query in naming
            for edition_id in db.session.scalars(query.where(
                query.selected_columns[0].in_(archived)))]


def merge_organizations(actor: Actor, keep_id: int, duplicate_id: int) -> dict[str, Any]:
    """Merge organization `duplicate_id` into `keep_id` (see above). Returns the kept
    organization and how many rows of each kind now point at it instead."""
    from eventhub.editions.models import Edition, Participation
    from eventhub.invitations.models import Invitation
    from eventhub.programme.models import Exhibitor
    from eventhub.registrations.models import Delegation

    authorize(actor, Permission.MANAGE_DIRECTORY)
    _refuse_merge_into_itself(keep_id, duplicate_id)
    keep = _load_organization(keep_id)
    duplicate = _load_organization(duplicate_id)
    _locked(Organization, (keep_id, duplicate_id))
    _refuse_archived(duplicate.name, _archived_editions_naming_organization(duplicate.id))
    per_edition = {
        "edition participations": Participation, "invitations": Invitation,
        "delegations": Delegation, "exhibitor stands": Exhibitor,
    }
    for what, model in per_edition.items():
        both = set(db.session.scalars(select(model.edition_id).where(
            model.organization_id == duplicate.id).intersect(select(model.edition_id).where(
                model.organization_id == keep.id))))
        if both:
            _refuse_same_edition(what, both)
    ancestor = keep.parent
    while ancestor is not None:
        if ancestor.id == duplicate.id:
            raise Conflict(N_("“%(name)s” is one of the organizations above the one kept; "
                              "merge them the other way round."),
                           code="directory.merge_ancestor", name=duplicate.name)
        ancestor = ancestor.parent

    moved: dict[str, int] = {}

    def repoint(what: str, rows: list[Any], attribute: str) -> None:
        for row in rows:
            setattr(row, attribute, keep.id)
        if rows:
            moved[what] = len(rows)

    repoint("people", list(db.session.scalars(
        select(Person).where(Person.organization_id == duplicate.id))), "organization_id")
    repoint("member organizations", list(db.session.scalars(
        select(Organization).where(Organization.parent_id == duplicate.id))), "parent_id")
    repoint("hosted editions", list(db.session.scalars(
        select(Edition).where(Edition.host_organization_id == duplicate.id))),
        "host_organization_id")
    for what, model in per_edition.items():
        repoint(what, list(db.session.scalars(
            select(model).where(model.organization_id == duplicate.id))), "organization_id")
    for field in ORGANIZATION_FILL_IN:
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
    db.session.flush()
    db.session.delete(duplicate)
    db.session.flush()
    db.session.expire(keep)
    return {"kept": keep, "moved": moved}


def merge_people(actor: Actor, keep_id: int, duplicate_id: int) -> dict[str, Any]:
    """Merge person `duplicate_id` into `keep_id` (see above): registrations and speeches
    move to the kept person."""
    from eventhub.editions.models import Edition, EditionStatus, PersonSnapshot
    from eventhub.programme.models import ProgrammeItem, Speech
    from eventhub.registrations.models import Registration

    authorize(actor, Permission.MANAGE_DIRECTORY)
    _refuse_merge_into_itself(keep_id, duplicate_id)
    keep = _load_person(keep_id)
    duplicate = _load_person(duplicate_id)
    _locked(Person, (keep_id, duplicate_id))
    archived = select(Edition.id).where(Edition.status == EditionStatus.ARCHIVED)
    _refuse_archived(duplicate.full_name, [
        *db.session.scalars(select(PersonSnapshot.edition_id).where(
            PersonSnapshot.person_id == duplicate.id)),
        *db.session.scalars(select(Registration.edition_id).where(
            Registration.person_id == duplicate.id, Registration.edition_id.in_(archived))),
        *db.session.scalars(select(ProgrammeItem.edition_id).join(Speech).where(
            Speech.person_id == duplicate.id, ProgrammeItem.edition_id.in_(archived)))])
    both = set(db.session.scalars(select(Registration.edition_id).where(
        Registration.person_id == duplicate.id).intersect(select(Registration.edition_id)
                                                          .where(Registration.person_id
                                                                 == keep.id))))
    if both:
        _refuse_same_edition("registrations", both)

    moved: dict[str, int] = {}
    for what, model in (("registrations", Registration), ("speeches", Speech)):
        rows = list(db.session.scalars(select(model).where(model.person_id == duplicate.id)))
        for row in rows:
            row.person_id = keep.id
        if rows:
            moved[what] = len(rows)
    for field in PERSON_FILL_IN:
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
    db.session.flush()
    db.session.delete(duplicate)
    db.session.flush()
    db.session.expire(keep)
    return {"kept": keep, "moved": moved}


def merge_summary(moved: dict[str, int]) -> Counts:
    """What a merge moved, as a parameter of a message ("3 people and 1 invitation")."""
    return Counts(moved, _reference_words)
