from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Any

from sqlalchemy import Select, case, distinct, extract, func, select
from sqlalchemy.orm import lazyload

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization
from eventhub.directory.service import country_name_for
from eventhub.editions import snapshot
from eventhub.editions.models import (
    STATUS_TRANSITIONS,
    Edition,
    EditionStatus,
    Participation,
    ParticipationRole,
    ReportedFigure,
    Series,
)
from eventhub.editions.words import EDITION_FIELDS, ITEM_FIELDS, SERIES_FIELDS, merged
from eventhub.errors import Conflict, NotFound, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_


def list_series(actor: Actor) -> Select:
    return select(Series).order_by(Series.id)


def get_series(actor: Actor, slug: str) -> Series:
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        raise NotFound(N_("No series “%(slug)s”."), code="series.not_found", slug=slug)
    return series


def create_series(actor: Actor, values: dict[str, Any]) -> Series:
    authorize(actor, Permission.MANAGE_EDITIONS)
    if db.session.scalar(select(Series.id).where(Series.slug == values["slug"])) is not None:
        raise Conflict(N_("Series “%(slug)s” already exists."), code="series.slug_taken",
                       slug=values["slug"])
    values = {**values, "translations": merged({}, values.get("translations"), SERIES_FIELDS)}
    series = Series(**values)
    db.session.add(series)
    db.session.flush()
    return series


def update_series(actor: Actor, slug: str, changes: dict[str, Any]) -> Series:
    authorize(actor, Permission.MANAGE_EDITIONS)
    series = get_series(actor, slug)
    if "translations" in changes:
        changes = {**changes, "translations": merged(series.translations,
                                                     changes["translations"], SERIES_FIELDS)}
    for key, value in changes.items():
        setattr(series, key, value)
    db.session.flush()
    return series


def list_editions(actor: Actor, filters: dict[str, Any]) -> Select:
    query = select(Edition)
    if not actor.can(Permission.READ_INTERNAL):
        query = query.where(Edition.status != EditionStatus.DRAFT)
    if status := filters.get("status"):
        query = query.where(Edition.status == status)
    if series_slug := filters.get("series"):
        query = query.join(Series).where(Series.slug == series_slug)
    if year := filters.get("year"):
        query = query.where(extract("year", Edition.start_date) == year)
    if code := filters.get("country_code"):
        query = query.where(Edition.country_code == code.upper())
    return query.order_by(Edition.start_date.desc(), Edition.id.desc())


def get_edition(actor: Actor, slug: str, *, for_update: bool = False,
                related: bool = True) -> Edition:
    """An edition the actor may see. Drafts are invisible (404) to the public, so their
    existence is not disclosed. related=False leaves the series and host organization to
    be loaded if used (hot write paths that never use them)."""
    query = select(Edition).where(Edition.slug == slug)
    if not related:
        query = query.options(lazyload(Edition.series), lazyload(Edition.host_organization))
    if for_update:
        # Serialises concurrent changes of one edition across app processes: the row lock
        # on PostgreSQL, the database's write lock on SQLite (eventhub/extensions.py).
        query = query.with_for_update(of=Edition)
    edition = db.session.scalar(query)
    if edition is None or (not edition.is_public and not actor.can(Permission.READ_INTERNAL)):
        raise NotFound(N_("No edition “%(slug)s”."), code="edition.not_found", slug=slug)
    return edition


def ensure_writable(edition: Edition) -> None:
    """Every write under an edition calls this: the archive is read-only."""
    if edition.is_read_only:
        raise Conflict(N_("Edition “%(slug)s” is archived and read-only."),
                       code="edition.read_only", slug=edition.slug,
                       extra={"edition_status": edition.status.value})


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows; reading them walks the zoneinfo folders
    (tens of milliseconds), so once per process."""
    return frozenset(zoneinfo.available_timezones())


def _validate_time_zone(name: str) -> None:
    if name not in time_zone_names():
        raise Unprocessable.for_field("time_zone",
                                      N_("“%(name)s” is not an IANA time zone name."),
                                      code="edition.unknown_time_zone", name=name)


def _validate_dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise Unprocessable.for_field("end_date", N_("The end date is before the start date."),
                                      code="edition.dates_reversed")


def _validate_host(host_organization_id: int | None) -> None:
    if host_organization_id is not None and db.session.get(
            Organization, host_organization_id) is None:
        raise Unprocessable.for_field("host_organization_id",
                                      N_("No organization with id %(id)s."),
                                      code="edition.unknown_host", id=host_organization_id)


def _refuse_taken_slug(slug: str, exclude_id: int | None = None) -> None:
    query = select(Edition.id).where(Edition.slug == slug)
    if exclude_id is not None:
        query = query.where(Edition.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(N_("An edition with slug “%(slug)s” already exists."),
                       code="edition.slug_taken", slug=slug)


def _refuse_taken_ordinal(series_id: int, ordinal: int, exclude_id: int | None = None) -> None:
    query = select(Edition.slug).where(Edition.series_id == series_id, Edition.ordinal == ordinal)
    if exclude_id is not None:
        query = query.where(Edition.id != exclude_id)
    if (other := db.session.scalar(query)) is not None:
        raise Conflict(N_("Edition number %(ordinal)s of this series already exists "
                          "(%(other)s)."), code="edition.ordinal_taken", ordinal=ordinal,
                       other=other)


def _refuse_programme_outside_days(edition: Edition) -> None:
    """New dates may not leave scheduled programme items outside the edition's days
    (the programme refuses such items too): move or unschedule them first."""
    from eventhub.programme.models import ProgrammeItem

    first, after_last = edition.local_days()
    outside = db.session.scalars(select(ProgrammeItem.title).where(
        ProgrammeItem.edition_id == edition.id, ProgrammeItem.starts_at.is_not(None),
        (ProgrammeItem.starts_at < first) | (ProgrammeItem.ends_at > after_last))
        .order_by(ProgrammeItem.starts_at).limit(4)).all()
    if outside:
        listed = ", ".join(f"“{title}”" for title in outside[:3])
        if len(outside) > 3:
            raise Conflict(N_("Programme items fall outside the new days: %(items)s and more. "
                              "Move or unschedule them first."),
                           code="edition.programme_outside_days", items=listed)
        raise Conflict(N_("Programme items fall outside the new days: %(items)s. Move or "
                          "unschedule them first."),
                       code="edition.programme_outside_days", items=listed)


def create_edition(actor: Actor, values: dict[str, Any],
                   new_series: dict[str, Any] | None = None) -> Edition:
    """A draft edition; with `new_series` (as create_series takes it), in a series created
    with it (the organizers' page offers both in one form)."""
    authorize(actor, Permission.MANAGE_EDITIONS)
    values = dict(values)
    if new_series is not None:
        values["series"] = create_series(actor, new_series).slug
    series_slug = values.pop("series")
    series = db.session.scalar(select(Series).where(Series.slug == series_slug))
    if series is None:
        raise Unprocessable.for_field("series", N_("No series “%(slug)s”."),
                                      code="edition.unknown_series", slug=series_slug)
    _validate_time_zone(values["time_zone"])
    _validate_dates(values["start_date"], values["end_date"])
    _validate_host(values.get("host_organization_id"))
    if values.get("country_code"):
        country_name_for(values["country_code"])
        values["country_code"] = values["country_code"].upper()
    _refuse_taken_slug(values["slug"])
    _refuse_taken_ordinal(series.id, values["ordinal"])
    values["translations"] = merged({}, values.get("translations"), EDITION_FIELDS)
    edition = Edition(series=series, status=EditionStatus.DRAFT, **values)
    db.session.add(edition)
    db.session.flush()
    return edition


def update_edition(actor: Actor, slug: str, changes: dict[str, Any]) -> Edition:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    if "time_zone" in changes:
        _validate_time_zone(changes["time_zone"])
    _validate_dates(changes.get("start_date", edition.start_date),
                    changes.get("end_date", edition.end_date))
    if "host_organization_id" in changes:
        _validate_host(changes["host_organization_id"])
    if changes.get("country_code"):
        country_name_for(changes["country_code"])
        changes["country_code"] = changes["country_code"].upper()
    if "slug" in changes:
        _refuse_taken_slug(changes["slug"], edition.id)
    if "ordinal" in changes:
        _refuse_taken_ordinal(edition.series_id, changes["ordinal"], edition.id)
    if "translations" in changes:
        changes["translations"] = merged(edition.translations, changes["translations"],
                                         EDITION_FIELDS)
    for key, value in changes.items():
        setattr(edition, key, value)
    if {"start_date", "end_date", "time_zone"} & changes.keys():
        _refuse_programme_outside_days(edition)
    db.session.flush()
    # Reload relationships (host) so the response reflects the new foreign keys.
    db.session.expire(edition)
    return edition


def set_words(actor: Actor, slug: str, edition_words: dict[str, Any],
              item_words: dict[int, dict[str, Any]],
              series_words: dict[str, Any] | None = None) -> Edition:
    """Set the edition's words, its programme items' titles and its series' name in other
    languages than English at once (the organizers' words page): {"zh": {"title": ...,
    "city": None}} as for translations in the API; null or blank removes a word. The
    series' name is shared by all its editions."""
    from eventhub.programme.models import ProgrammeItem

    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    edition.translations = merged(edition.translations, edition_words, EDITION_FIELDS,
                                  field="edition")
    if series_words:
        edition.series.translations = merged(edition.series.translations, series_words,
                                             SERIES_FIELDS, field="series")
    items = {item.id: item for item in db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.edition_id == edition.id,
                                    ProgrammeItem.id.in_(item_words))
        .with_for_update(of=ProgrammeItem))}
    for item_id, words in item_words.items():
        if item_id not in items:
            raise NotFound(N_("Edition “%(slug)s” has no programme item %(id)s."),
                           code="programme.item_not_found", slug=slug, id=item_id)
        items[item_id].translations = merged(items[item_id].translations, words,
                                             ITEM_FIELDS, field=f"items.{item_id}")
    db.session.flush()
    return edition


def change_status(actor: Actor, slug: str, new_status: EditionStatus) -> Edition:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    allowed = STATUS_TRANSITIONS[edition.status]
    if new_status not in allowed:
        raise Conflict(
            N_("An edition cannot go from %(current)s to %(wanted)s."),
            code="edition.status_not_allowed", current=edition.status.value,
            wanted=new_status.value, extra={"current_status": edition.status.value,
                   "allowed": sorted(s.value for s in allowed)})
    edition.status = new_status
    if new_status == EditionStatus.ARCHIVED:
        edition.archived_at = utcnow()
        db.session.flush()
        # What the edition shows of the directory is frozen with it (there is no way
        # back from archived, so the snapshot is taken once).
        snapshot.take(edition)
    db.session.flush()
    return edition


def delete_edition(actor: Actor, slug: str) -> None:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    if edition.status != EditionStatus.DRAFT:
        raise Conflict(N_("Only draft editions can be deleted; others are part of the record."),
                       code="edition.not_a_draft", extra={"current_status": edition.status.value})
    db.session.delete(edition)
    db.session.flush()


def recorded_counts(edition: Edition) -> dict[str, int]:
    """Counts of what the database holds for an edition, as opposed to reported figures."""
    return recorded_counts_by_edition([edition])[edition.id]


def recorded_counts_by_edition(editions: list[Edition]) -> dict[int, dict[str, int]]:
    """recorded_counts() for many editions in two queries, whatever their number."""
    from eventhub.programme.models import ItemKind, ProgrammeItem, Speech

    ids = [edition.id for edition in editions]
    # The organizations taking part and the hosts, with their country codes as each
    # edition shows them (an archived edition: as they were when it was archived).
    taking_part = select(Participation.edition_id, Participation.organization_id).where(
        Participation.edition_id.in_(ids)).union_all(
        select(Edition.id, Edition.host_organization_id).where(
            Edition.id.in_(ids), Edition.host_organization_id.is_not(None))).subquery()
    frozen = snapshot.organization_snapshot()
    organization_rows = db.session.execute(
        select(taking_part.c.edition_id, Organization.id,
               snapshot.as_shown(frozen, Organization, "country_code"))
        .join(Organization, Organization.id == taking_part.c.organization_id)
        .outerjoin(frozen, (frozen.edition_id == taking_part.c.edition_id)
                   & (frozen.organization_id == Organization.id))).all()
    organizations: dict[int, set[int]] = {edition_id: set() for edition_id in ids}
    countries: dict[int, set[str]] = {edition_id: set() for edition_id in ids}
    for edition_id, organization_id, country_code in organization_rows:
        organizations[edition_id].add(organization_id)
        if country_code:
            countries[edition_id].add(country_code)
    programme = {edition_id: (speakers, breakouts) for edition_id, speakers, breakouts
                 in db.session.execute(
                     select(ProgrammeItem.edition_id, func.count(distinct(Speech.person_id)),
                            func.count(distinct(case(
                                (ProgrammeItem.kind == ItemKind.BREAKOUT_SESSION,
                                 ProgrammeItem.id)))))
                     .outerjoin(Speech, Speech.item_id == ProgrammeItem.id)
                     .where(ProgrammeItem.edition_id.in_(ids))
                     .group_by(ProgrammeItem.edition_id))}
    return {edition_id: {"organizations": len(organizations[edition_id]),
                         "countries_and_regions": len(countries[edition_id]),
                         "speakers": programme.get(edition_id, (0, 0))[0],
                         "breakout_sessions": programme.get(edition_id, (0, 0))[1]}
            for edition_id in ids}


# Reported figures ---------------------------------------------------------------------

def list_figures(actor: Actor, slug: str) -> list[ReportedFigure]:
    return list(get_edition(actor, slug).figures)


def _load_figure(edition: Edition, key: str) -> ReportedFigure:
    figure = db.session.scalar(select(ReportedFigure).where(
        ReportedFigure.edition_id == edition.id, ReportedFigure.key == key))
    if figure is None:
        raise NotFound(N_("Edition “%(slug)s” has no reported figure “%(key)s”."),
                       code="figure.not_found", slug=edition.slug, key=key)
    return figure


def add_figure(actor: Actor, slug: str, values: dict[str, Any]) -> ReportedFigure:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    if db.session.scalar(select(ReportedFigure.id).where(
            ReportedFigure.edition_id == edition.id,
            ReportedFigure.key == values["key"])) is not None:
        raise Conflict(N_("Edition “%(slug)s” already has a figure “%(key)s”."),
                       code="figure.key_taken", slug=slug, key=values["key"])
    if "position" not in values:
        values = {**values, "position": len(edition.figures)}
    figure = ReportedFigure(edition=edition, **values)
    db.session.add(figure)
    db.session.flush()
    return figure


def update_figure(actor: Actor, slug: str, key: str, changes: dict[str, Any]) -> ReportedFigure:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    figure = _load_figure(edition, key)
    for field, value in changes.items():
        setattr(figure, field, value)
    db.session.flush()
    return figure


def delete_figure(actor: Actor, slug: str, key: str) -> None:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    db.session.delete(_load_figure(edition, key))
    db.session.flush()


# Participating organizations ----------------------------------------------------------

def add_participation(actor: Actor, slug: str, values: dict[str, Any]) -> Participation:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    organization = db.session.get(Organization, values["organization_id"])
    if organization is None:
        raise Unprocessable.for_field("organization_id", N_("No organization with id %(id)s."),
                                      code="participation.unknown_organization",
                                      id=values["organization_id"])
    if db.session.scalar(select(Participation.id).where(
            Participation.edition_id == edition.id,
            Participation.organization_id == organization.id)) is not None:
        raise Conflict(N_("%(organization)s already takes part in %(edition)s."),
                       code="participation.exists", organization=organization.name,
                       edition=slug)
    position = values.get("position")
    if position is None:
        position = (db.session.scalar(select(func.max(Participation.position)).where(
            Participation.edition_id == edition.id)) or 0) + 1
    participation = Participation(edition_id=edition.id, organization=organization,
                                  role=ParticipationRole(values["role"]), position=position)
    db.session.add(participation)
    db.session.flush()
    return participation


def remove_participation(actor: Actor, slug: str, organization_id: int) -> None:
    authorize(actor, Permission.MANAGE_EDITIONS)
    edition = get_edition(actor, slug, for_update=True)
    ensure_writable(edition)
    participation = db.session.scalar(select(Participation).where(
        Participation.edition_id == edition.id,
        Participation.organization_id == organization_id))
    if participation is None:
        raise NotFound(N_("Organization %(id)s does not take part in %(edition)s."),
                       code="participation.not_found", id=organization_id, edition=slug)
    db.session.delete(participation)
    db.session.flush()


def participants(actor: Actor, slug: str) -> dict[str, Any]:
    """Who took part: the host, participating organizations in recorded order, and the
    people the programme names, each with what they did."""
    from eventhub.programme.models import ProgrammeItem, Speech

    edition = get_edition(actor, slug)
    organizations: list[dict[str, Any]] = []
    if edition.host_organization_id is not None:
        organizations.append({"organization": edition.host_as_shown, "role": "host"})
    rows = db.session.scalars(select(Participation).where(
        Participation.edition_id == edition.id).order_by(Participation.position,
                                                         Participation.id))
    organizations.extend({"organization": p.organization_as_shown, "role": p.role}
                         for p in rows if p.organization_id != edition.host_organization_id)

    speeches = db.session.execute(
        select(Speech, ProgrammeItem).join(ProgrammeItem)
        .where(ProgrammeItem.edition_id == edition.id)
        .order_by(ProgrammeItem.position, ProgrammeItem.id, Speech.position)).all()
    people: dict[int, dict[str, Any]] = {}
    for speech, item in speeches:
        entry = people.setdefault(speech.person_id,
                                  {"person": speech.person_as_shown, "roles": []})
        entry["roles"].append({"role": speech.role.value, "programme_item_id": item.id,
                               "programme_item_title": item.title,
                               "delivery": speech.delivery})
    # Heads of confirmed delegations took a public role too; other delegates stay private.
    from eventhub.registrations.models import Registration, RegistrationRole, RegistrationStatus

    heads = db.session.scalars(
        select(Registration).where(
            Registration.edition_id == edition.id,
            Registration.role == RegistrationRole.HEAD_OF_DELEGATION,
            Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.id))
    for registration in heads:
        entry = people.setdefault(registration.person_id,
                                  {"person": registration.person_as_shown, "roles": []})
        entry["roles"].append({"role": "head_of_delegation", "programme_item_id": None,
                               "programme_item_title": None, "delivery": None})
    return {"edition": edition.slug, "organizations": organizations,
            "people": list(people.values())}


