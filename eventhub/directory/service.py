from __future__ import annotations

from typing import Any

import pycountry
from sqlalchemy import Select, func, or_, select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, OrganizationKind, Person
from eventhub.errors import Conflict, Counts, NotFound, Unprocessable
from eventhub.extensions import db
from eventhub.i18n import N_, ngettext


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

    checks = {
        "people": select(func.count()).where(Person.organization_id == organization_id),
        "member organizations": select(func.count()).where(
            Organization.parent_id == organization_id),
        "hosted editions": select(func.count()).where(
            Edition.host_organization_id == organization_id),
        "edition participations": select(func.count()).where(
            Participation.organization_id == organization_id),
        # An archived edition's record names it (itself, or as the parent it showed).
        "archived edition records": select(func.count()).select_from(OrganizationSnapshot)
        .where(or_(OrganizationSnapshot.organization_id == organization_id,
                   OrganizationSnapshot.parent_id == organization_id)),
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

