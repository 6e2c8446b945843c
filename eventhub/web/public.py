"""The public archive: editions, an edition's record, its published statement, and
participation across editions. Anonymous visitors see what the API shows them: every
page reads through the same service functions, which hide drafts (editions, statements,
unpublished programme versions) from the public."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_time, get_timezone_name
from flask import Blueprint, abort, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select

from eventhub.archive.service import (
    figures_side_by_side,
    organization_history,
    participation_history,
)
from eventhub.directory.models import OrganizationKind
from eventhub.editions.service import (
    get_edition,
    list_editions,
    list_figures,
    participants,
    recorded_counts,
)
from eventhub.editions.words import reported_number
from eventhub.extensions import db
from eventhub.i18n import N_, _, language, translate
from eventhub.programme.models import ProgrammeItem
from eventhub.programme.service import has_calendar, list_exhibitors, programme
from eventhub.schemas import INTEGER_MAX
from eventhub.statements.service import list_revisions, list_statements, statement_view
from eventhub.web import words
from eventhub.web.common import country, page_actor

blp = Blueprint("web_public", __name__)

# Words for the values the record stores as codes ---------------------------------------

KIND_HEADINGS = {
    OrganizationKind.HOST_BODY: N_("Host bodies"),
    OrganizationKind.NATIONAL_AUTHORITY: N_("National authorities"),
    OrganizationKind.INTERNATIONAL_ORGANIZATION: N_("International organizations"),
    OrganizationKind.LOCAL_GOVERNMENT: N_("Local government"),
    OrganizationKind.ENTERPRISE: N_("Enterprises"),
    OrganizationKind.ACADEMIC: N_("Academic institutions"),
    OrganizationKind.OTHER: N_("Other organizations"),
}
KIND_NAMES = {
    OrganizationKind.HOST_BODY: N_("Host body"),
    OrganizationKind.NATIONAL_AUTHORITY: N_("National authority"),
    OrganizationKind.INTERNATIONAL_ORGANIZATION: N_("International organization"),
    OrganizationKind.LOCAL_GOVERNMENT: N_("Local government"),
    OrganizationKind.ENTERPRISE: N_("Enterprise"),
    OrganizationKind.ACADEMIC: N_("Academic institution"),
    OrganizationKind.OTHER: N_("Other"),
}
ITEM_KINDS = {
    "opening_ceremony": N_("Opening ceremony"),
    "plenary": N_("Plenary"),
    "breakout_session": N_("Breakout session"),
    "exhibition": N_("Exhibition"),
    "side_event": N_("Side event"),
    "social": N_("Social programme"),
}
SPEECH_ROLES = {
    "opening_speech": N_("opening speech"),
    "welcome_speech": N_("welcome speech"),
    "keynote": N_("keynote"),
    "plenary_speech": N_("plenary speech"),
    "speech": N_("speech"),
    "panellist": N_("panellist"),
}
DELIVERY = {"video": N_("via video"), "recorded": N_("recorded")}
PARTS = {"host": N_("Host"), "participant": N_("Participant"), "observer": N_("Observer")}
STATUSES = {"draft": N_("Draft"), "open": N_("Open"), "closed": N_("Closed"),
            "archived": N_("Archived")}
FIGURE_LABELS = {
    "guests": N_("Guests"),
    "countries_and_regions": N_("Countries and regions"),
    "breakout_sessions": N_("Breakout sessions"),
    "organizations": N_("Organizations"),
    "speakers": N_("Speakers"),
}
RECORDED_WORDS = {
    "organizations": N_("organizations named in the record"),
    "countries_and_regions": N_("countries and regions named in the record"),
    "speakers": N_("speakers named in the record"),
    "breakout_sessions": N_("breakout sessions in the programme"),
}


def _label(mapping: dict, value: Any) -> str:
    key = getattr(value, "value", value)
    found = mapping.get(value) or mapping.get(key)
    return translate(found) if found else str(key).replace("_", " ")


def _ordinal(number: int) -> str:
    """"1st" in English; other languages write the edition's number their own way."""
    if not language().startswith("en"):
        return _("No. %(number)s", number=number)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def _language_label(code: str) -> str:
    """A statement's language in the page's language ("Chinese", "中文")."""
    try:
        return Locale.parse(code).get_display_name(language()) or code
    except (UnknownLocaleError, ValueError):
        return code


def _place(edition) -> Markup:
    parts = [words(edition, "city") if edition.city else None,
             words(edition, "region") if edition.region else None,
             escape(country(edition.country_code)) if edition.country_code else None]
    return _join_place([p for p in parts if p])


def _join_place(parts: list[Markup | None]) -> Markup:
    if not parts:
        return Markup("")
    joined = parts[0]
    for part in parts[1:]:
        pattern = _("%(city)s, %(country)s")
        values = {"city": joined, "country": part}
        # A language that writes places big to small without a separator ("中国江苏省苏州")
        # still needs a space between two names left in Latin letters.
        first, second = (("country", "city") if pattern.find("%(country)s")
                         < pattern.find("%(city)s") else ("city", "country"))
        if (f"%({first})s%({second})s" in pattern
                and _latin_edge(values[first], last=True) and _latin_edge(values[second])):
            pattern = pattern.replace(f"%({first})s%({second})s", f"%({first})s %({second})s")
        joined = Markup(escape(pattern)) % values
    return joined


def _latin_edge(value: Markup, *, last: bool = False) -> bool:
    text = Markup(value).striptags().strip()
    if not text:
        return False
    edge = text[-1] if last else text[0]
    return edge.isascii() and (edge.isalnum() or edge in ")")


def _figure_text(figure) -> str:
    """A reported figure as the record states it: qualifier, number, what was counted."""
    return " ".join(p for p in (reported_number(figure.qualifier, figure.value), figure.unit)
                    if p)


def _reported_number(figure) -> str:
    return reported_number(figure.qualifier, figure.value)


def _template_words() -> dict[str, Any]:
    return {"label": _label, "kind_names": KIND_NAMES, "parts": PARTS, "statuses": STATUSES,
            "item_kinds": ITEM_KINDS, "speech_roles": SPEECH_ROLES, "delivery": DELIVERY,
            "figure_labels": FIGURE_LABELS, "language_label": _language_label,
            "ordinal": _ordinal, "place": _place, "figure_text": _figure_text,
            "reported_number": _reported_number,
            "country": country}


# Pages -------------------------------------------------------------------------------

@blp.get("/")
def home():
    editions = db.session.scalars(list_editions(page_actor(), {})).all()
    return render_template("public/home.html", editions=editions, **_template_words())


@blp.get("/editions/<slug>")
def edition(slug: str):
    actor = page_actor()
    record = get_edition(actor, slug)
    figures = list_figures(actor, slug)
    recorded = recorded_counts(record)
    taking_part = participants(actor, slug)
    published = programme(actor, slug, {})
    return render_template(
        "public/edition.html", edition=record, figures=figures, recorded=recorded,
        recorded_words={key: translate(text) for key, text in RECORDED_WORDS.items()},
        unreported=[key for key in recorded if key not in {f.key for f in figures}],
        organization_groups=_group_organizations(taking_part["organizations"]),
        days=_programme_days(published["items"], record.time_zone),
        programme_version=published["version"], time_zone=record.time_zone,
        zone_name=get_timezone_name(zoneinfo.ZoneInfo(record.time_zone), "long",
                                    locale=language()),
        clock=lambda value: format_time(value, "short", locale=language()),
        exhibitors=list_exhibitors(actor, slug),
        statements=list_statements(actor, slug),
        event_metadata=event_metadata(record, published["items"]),
        # The calendar keeps items a later version cancelled or dropped: it can have events
        # when the latest version has no timed item.
        has_calendar=has_calendar(record),
        has_schedule=any(item["starts_at"] and not item["is_cancelled"]
                         for item in published["items"]), **_template_words())


def event_metadata(record, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The edition as a schema.org Event (JSON-LD) for search engines and other readers:
    only what the record holds. Times come from the published programme when it gives
    them (with the zone's offset); otherwise the dates alone, never invented times."""
    from eventhub.web.feeds import public_link

    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Event", "name": record.title,
        "url": public_link("web_public.edition", slug=record.slug),
        "eventStatus": "https://schema.org/EventScheduled"}
    zone = zoneinfo.ZoneInfo(record.time_zone)
    timed = [item for item in items
             if item.get("starts_at") and item.get("ends_at") and not item["is_cancelled"]]
    if timed:
        data["startDate"] = min(_local(i["starts_at"], zone) for i in timed).isoformat()
        data["endDate"] = max(_local(i["ends_at"], zone) for i in timed).isoformat()
    else:
        data["startDate"] = record.start_date.isoformat()
        data["endDate"] = record.end_date.isoformat()
    if record.theme:
        data["description"] = record.theme
    address = {key: value for key, value in (
        ("addressLocality", record.city), ("addressRegion", record.region),
        ("addressCountry", record.country_code)) if value}
    if address or record.venue:
        place: dict[str, Any] = {"@type": "Place"}
        if record.venue:
            place["name"] = record.venue
        if address:
            place["address"] = {"@type": "PostalAddress", **address}
        data["location"] = place
        remote = any(speech.get("delivery") in ("video", "recorded")
                     for item in items for speech in item.get("speeches") or [])
        data["eventAttendanceMode"] = ("https://schema.org/MixedEventAttendanceMode" if remote
                                       else "https://schema.org/OfflineEventAttendanceMode")
    host = record.host_as_shown
    if host is not None:
        data["organizer"] = {"@type": "Organization", "name": host.name}
        if host.website:
            data["organizer"]["url"] = host.website
    if record.series is not None:
        data["superEvent"] = {"@type": "EventSeries", "name": record.series.name}
    return data


def _group_organizations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Participating organizations by kind (in a fixed order), each group sorted by
    country or region (organizations without one last), then by name."""
    groups: dict[OrganizationKind, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["organization"].kind, []).append(entry)
    ordered = []
    for kind in KIND_HEADINGS:
        members = groups.get(kind)
        if not members:
            continue
        members.sort(key=lambda e: (e["organization"].country_name is None,
                                    e["organization"].country_name or "",
                                    e["organization"].name))
        ordered.append({"kind": kind, "heading": translate(KIND_HEADINGS[kind]), "entries": members,
                        "has_countries": any(e["organization"].country_name
                                             for e in members)})
    return ordered


def _programme_days(items: list[dict[str, Any]], zone_name: str) -> list[dict[str, Any]]:
    """Published items grouped by local day, in the published order; items whose time the
    record does not give come last, under their own heading."""
    zone = zoneinfo.ZoneInfo(zone_name)
    records = item_records(item["id"] for item in items)
    days: dict[dt.date | None, list[dict[str, Any]]] = {}
    for item in items:
        starts = _local(item.get("starts_at"), zone)
        ends = _local(item.get("ends_at"), zone)
        shown = {**item, "starts": starts, "ends": ends, "record": records[item["id"]],
                 "speeches": sorted(item.get("speeches") or [], key=lambda s: s["position"])}
        days.setdefault(starts.date() if starts else None, []).append(shown)
    ordered = sorted(d for d in days if d is not None)
    result = [{"day": d, "items": days[d]} for d in ordered]
    if None in days:
        result.append({"day": None, "items": days[None]})
    return result


def item_records(ids: Iterable[int]) -> dict[int, ProgrammeItem]:
    """The programme items behind the published entries, in one query, for their words in
    the page's language."""
    wanted = list(ids)
    if not wanted:
        return {}
    found = db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.id.in_(wanted)))
    return {item.id: item for item in found}


def _local(value: str | None, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


@blp.get("/editions/<slug>/statements/<int:statement_id>")
def statement(slug: str, statement_id: int):
    """The published statement (or, with ?revision=, an earlier published revision); the
    service answers 404 for anything the public may not read."""
    actor = page_actor()
    number = request.args.get("revision", type=int)
    if "revision" in request.args and (number is None or not 1 <= number <= INTEGER_MAX):
        abort(404)
    record = get_edition(actor, slug)
    view = statement_view(actor, slug, statement_id, number)
    status = getattr(view["status"], "value", view["status"])
    published = [r.number for r in list_revisions(actor, slug, statement_id) if r.is_published]
    return render_template("public/statement.html", edition=record, statement=view,
                           status=status, first_published=min(published, default=None),
                           statement_language=view.get("language") or "en",
                           **_template_words())


@blp.get("/history")
def history():
    actor = page_actor()
    participation = participation_history(actor)
    figures = figures_side_by_side(actor)
    editions = {e.slug: e for e in db.session.scalars(list_editions(actor, {}))}
    columns = [editions[row["edition"]] for row in figures if row["edition"] in editions]
    return render_template("public/history.html", participation=participation,
                           editions=editions, columns=columns,
                           figure_rows=_figure_rows(figures), **_template_words())


def _figure_rows(per_edition: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per thing counted, one cell per edition: what the record reports and what
    the archive counts, side by side."""
    keys: list[str] = []
    for row in per_edition:
        keys.extend(f.key for f in row["reported"] if f.key not in keys)
    for row in per_edition:
        keys.extend(k for k in row["recorded"] if k not in keys)
    rows = []
    for key in keys:
        cells = []
        for row in per_edition:
            reported = next((f for f in row["reported"] if f.key == key), None)
            cells.append({"edition": row["edition"], "reported": reported,
                          "recorded": row["recorded"].get(key)})
        rows.append({"key": key, "label": _label(FIGURE_LABELS, key), "cells": cells})
    return rows


@blp.get("/history/organizations/<int:organization_id>")
def organization(organization_id: int):
    actor = page_actor()
    record = organization_history(actor, organization_id)
    editions = {e.slug: e for e in db.session.scalars(list_editions(actor, {}))}
    return render_template("public/organization.html", history=record, editions=editions,
                           organization=record["organization"], **_template_words())


# robots.txt, the sitemap and the Atom feeds are routes of this blueprint.
from eventhub.web import feeds  # noqa: E402,F401
