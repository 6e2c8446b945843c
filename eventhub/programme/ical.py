"""iCalendar (RFC 5545) export of programme items, with the edition's time zone.

A calendar that imported or subscribed to the file once must be updated by the next
download, so every event is derived from the published versions of the programme:

- an item keeps its UID for good (the item's id and the deployment's host);
- SEQUENCE counts the published versions in which what the event says changed (time,
  room, title, description, speakers, cancellation), so a client replaces its copy;
- an item once published stays in the file after it is cancelled, or removed from a
  later version, with STATUS:CANCELLED, so clients take it out of the day;
- CREATED is the publication of the first version that held the item, LAST-MODIFIED and
  DTSTAMP (equal, as RFC 5545 3.8.7.2 says for a file without METHOD) the publication
  of the version where it last changed: the same file for the same programme, byte for
  byte, whenever it is downloaded;
- the VTIMEZONE gives the zone's transitions for the years the events fall in, read from
  the zone database (not a table ending in 2038).

A calendar without a single event is not a valid iCalendar object, so a programme with
nothing timed is a 404 problem (`programme.nothing_timed`), never an empty file.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from icalendar import Calendar, Event

from eventhub.editions.models import Edition
from eventhub.errors import NotFound
from eventhub.i18n import N_

# What an event shows: a change in any of these is a revision calendars must pick up.
_SHOWN_FIELDS = ("kind", "title", "description", "room", "starts_at", "ends_at",
                 "is_cancelled", "speeches")


@dataclass(frozen=True)
class Entry:
    """One item as the calendar shows it, with its revision history."""

    item: dict[str, Any]
    sequence: int
    created: dt.datetime
    last_modified: dt.datetime
    cancelled: bool


def _shown(item: dict[str, Any]) -> tuple:
    return tuple(repr(item.get(field)) for field in _SHOWN_FIELDS)


def _aware(moment: dt.datetime) -> dt.datetime:
    """Stored moments are UTC; SQLite gives them back without the zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def published_entries(versions: Iterable[Any]) -> dict[int, Entry]:
    """Every item any published version held, by id, as the latest version shows it
    (an item a later version no longer holds is cancelled there). `versions` are
    ProgrammeVersion rows, oldest first."""
    entries: dict[int, Entry] = {}
    for version in versions:
        published_at = _aware(version.published_at)
        held = {item["id"]: item for item in version.items}
        for item_id, item in held.items():
            before = entries.get(item_id)
            if before is None:
                entries[item_id] = Entry(item, 0, published_at, published_at,
                                         item["is_cancelled"])
            elif _shown(item) != _shown(before.item) or before.cancelled != item["is_cancelled"]:
                entries[item_id] = Entry(item, before.sequence + 1, before.created,
                                         published_at, item["is_cancelled"])
        for item_id, before in entries.items():
            if item_id not in held and not before.cancelled:
                entries[item_id] = replace(before, sequence=before.sequence + 1,
                                           last_modified=published_at, cancelled=True)
    return entries


def with_working_copy(published: dict[int, Entry],
                      live: Iterable[tuple[dict[str, Any], dt.datetime]]) -> list[Entry]:
    """Entries for items of the working copy (a person's agenda, for staff): an item
    that differs from its last published form is one revision further, changed when its
    row was; one never published and cancelled has never been on anyone's calendar."""
    entries = []
    for item, updated_at in live:
        before = published.get(item["id"])
        if before is not None and _shown(item) == _shown(before.item):
            entries.append(before)
        elif before is not None:
            entries.append(Entry(item, before.sequence + 1, before.created,
                                 _aware(updated_at), item["is_cancelled"]))
        elif not item["is_cancelled"]:
            changed = _aware(updated_at)
            entries.append(Entry(item, 0, changed, changed, False))
    return entries


def _timed(entries: Iterable[Entry]) -> list[Entry]:
    return sorted((e for e in entries if e.item["starts_at"] and e.item["ends_at"]),
                  key=lambda e: (e.item["starts_at"], e.item["id"]))


def calendar(edition: Edition, entries: Iterable[Entry], name: str) -> bytes:
    timed = _timed(entries)
    if not timed:
        raise NotFound(N_("%(edition)s has no published programme item with a time: there is "
                          "no calendar or schedule to give."),
                       code="programme.nothing_timed", edition=edition.slug)
    cal = Calendar()
    cal.add("prodid", "-//EventHub//Sub-Forum programme//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", edition.time_zone)
    host = current_app.config["EVENTHUB_PUBLIC_BASE_URL"].split("://")[-1].split("/")[0]
    # A named zone (not a bare offset) gives DTSTART;TZID=... and a VTIMEZONE block, so
    # calendars show the right local time across daylight-saving changes.
    zone = zoneinfo.ZoneInfo(edition.time_zone)
    years = []
    for entry in timed:
        item = entry.item
        starts = dt.datetime.fromisoformat(item["starts_at"]).astimezone(zone)
        ends = dt.datetime.fromisoformat(item["ends_at"]).astimezone(zone)
        years += [starts.year, ends.year]
        event = Event()
        # The UID's form is what calendars already hold: it never changes.
        event.add("uid", f"programme-item-{item['id']}@{host}")
        event.add("dtstamp", entry.last_modified)
        event.add("created", entry.created)
        event.add("last-modified", entry.last_modified)
        event.add("sequence", entry.sequence)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("dtstart", starts)
        event.add("dtend", ends)
        event.add("summary", item["title"])
        if item["room"]:
            event.add("location", item["room"])
        lines = [item["description"] or ""]
        speakers = [f"{s['position']}. {s['person']['full_name']}" for s in item["speeches"]]
        if speakers:
            lines.append("Speakers:\n" + "\n".join(speakers))
        description = "\n\n".join(line for line in lines if line)
        if description:
            event.add("description", description)
        event.add("categories", [item["kind"]])
        cal.add_component(event)
    # The zone's rules for every year an event falls in, from a year before (so the
    # observance in force at the first event is described) to the year after the last.
    cal.add_missing_timezones(first_date=dt.date(min(years) - 1, 1, 1),
                              last_date=dt.date(max(years) + 1, 12, 31))
    return cal.to_ical()
