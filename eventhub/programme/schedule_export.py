"""The published programme as the schedule files conference apps load.

Two shapes of the same schedule, as the c3voc schedule project's validator defines them
(github.com/voc/schedule, `validator/xsd/schedule.xml.xsd` and `validator/json/`):

- the frab/Pentabarf XML (`<schedule>`, `<conference>`, a `<day>` per day of the edition
  with a `<room>` per room and its `<event>`s);
- the JSON schedule pretalx publishes (`schedule.conference.days[].rooms{name: [event]}`),
  which Giggity, ConfClerk and EventFahrplan read.

Only the latest published version is exported, as the public reads it; published
versions are frozen, so an archived edition exports as it was. Items without a time have
no place in a timetable, and cancelled items are left out (an app replaces its whole copy
with each download, so a cancelled item leaves the app's timetable). An event's GUID is a
UUID5 of the edition's slug and the item's id: the same item keeps it across versions,
which is how apps match an updated schedule with the favourites their users starred.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zoneinfo
from dataclasses import dataclass
from typing import Any

from flask import url_for

from eventhub.editions.models import Edition
from eventhub.errors import NotFound
from eventhub.http import public_url
from eventhub.i18n import N_
from eventhub.programme.models import ProgrammeVersion

# Fixed for good: every GUID this service ever gave out is derived from it.
GUID_NAMESPACE = uuid.UUID("5b0d5c3e-9f1f-4d53-8a55-6f0b7c1e2a40")
JSON_SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
# The grid apps draw the timetable on; every time the programme allows is a multiple.
TIMESLOT = "00:05"

# Kinds of item as the c3voc definitions name event types, and as a track.
EVENT_TYPES = {"opening_ceremony": "other", "plenary": "talk",
               "breakout_session": "discussion", "exhibition": "other",
               "side_event": "meeting", "social": "other"}
TRACKS = {"opening_ceremony": "Opening ceremony", "plenary": "Plenary",
          "breakout_session": "Breakout session", "exhibition": "Exhibition",
          "side_event": "Side event", "social": "Social programme"}


@dataclass(frozen=True)
class ScheduledItem:
    item: dict[str, Any]
    starts: dt.datetime
    ends: dt.datetime
    room: str


def guid(*parts: object) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(str(p) for p in parts)))


def acronym(edition: Edition) -> str:
    """The slug as the definitions' acronym pattern allows it (lower case, digits and
    underscores): 2024-suzhou -> 2024_suzhou."""
    return re.sub(r"[^a-z0-9_]", "_", edition.slug.lower())


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def _hours_minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _scheduled(edition: Edition, version: ProgrammeVersion | None) -> list[ScheduledItem]:
    zone = zoneinfo.ZoneInfo(edition.time_zone)
    found = []
    for item in version.items if version else []:
        if item["is_cancelled"] or not item["starts_at"] or not item["ends_at"]:
            continue
        found.append(ScheduledItem(
            item, dt.datetime.fromisoformat(item["starts_at"]).astimezone(zone),
            dt.datetime.fromisoformat(item["ends_at"]).astimezone(zone),
            # An item without a room takes place at the venue, when the record names it.
            item["room"] or edition.venue or ""))
    if not found:
        raise NotFound(N_("%(edition)s has no published programme item with a time: there is "
                          "no calendar or schedule to give."),
                       code="programme.nothing_timed", edition=edition.slug)
    return sorted(found, key=lambda s: (s.starts, s.item["position"], s.item["id"]))


def _days(edition: Edition) -> list[tuple[int, dt.date, dt.datetime, dt.datetime]]:
    zone = zoneinfo.ZoneInfo(edition.time_zone)
    count = (edition.end_date - edition.start_date).days + 1
    days = []
    for index in range(count):
        date = edition.start_date + dt.timedelta(days=index)
        start = dt.datetime.combine(date, dt.time(0, 0), zone)
        end = dt.datetime.combine(date, dt.time(23, 59, 59), zone)
        days.append((index + 1, date, start, end))
    return days


def _rooms(scheduled: list[ScheduledItem]) -> list[str]:
    return list(dict.fromkeys(s.room for s in scheduled))


def _event(edition: Edition, entry: ScheduledItem) -> dict[str, Any]:
    """An event in the JSON shape; the XML writes the same values."""
    item = entry.item
    short = acronym(edition)
    title_slug = _slug(item["title"])
    speeches = sorted(item.get("speeches") or [], key=lambda s: s["position"])
    return {
        "id": item["id"],
        "guid": guid(edition.slug, "item", item["id"]),
        "date": entry.starts.isoformat(),
        "start": entry.starts.strftime("%H:%M"),
        "duration": _hours_minutes(entry.ends - entry.starts),
        "room": entry.room,
        "slug": f"{short}-{item['id']}" + (f"-{title_slug}" if title_slug else ""),
        "url": public_url(url_for("web_public.edition", slug=edition.slug,
                                  _anchor=f"item-{item['id']}")),
        "title": item["title"],
        "subtitle": "",
        "track": TRACKS.get(item["kind"], item["kind"]),
        "type": EVENT_TYPES.get(item["kind"], "other"),
        # Titles and descriptions are recorded in English (translations apart).
        "language": "en",
        "abstract": item.get("description") or "",
        "description": "",
        "persons": [{"id": speech["person"]["id"], "guid": guid("person", speech["person"]["id"]),
                     "name": speech["person"]["full_name"]} for speech in speeches],
        "links": [],
        "attachments": [],
    }


def schedule_json(edition: Edition, version: ProgrammeVersion | None) -> dict[str, Any]:
    scheduled = _scheduled(edition, version)
    days = []
    for index, date, start, end in _days(edition):
        rooms: dict[str, list[dict[str, Any]]] = {}
        for entry in scheduled:
            if entry.starts.date() == date:
                rooms.setdefault(entry.room, []).append(_event(edition, entry))
        days.append({"index": index, "date": date.isoformat(), "day_start": start.isoformat(),
                     "day_end": end.isoformat(), "rooms": rooms})
    return {
        "$schema": JSON_SCHEMA_URL,
        "generator": {"name": "EventHub"},
        "schedule": {
            "version": str(version.number),
            "base_url": public_url("/"),
            "conference": {
                "acronym": acronym(edition),
                "title": edition.title,
                "start": edition.start_date.isoformat(),
                "end": edition.end_date.isoformat(),
                "daysCount": len(days),
                "timeslot_duration": TIMESLOT,
                "time_zone_name": edition.time_zone,
                "url": public_url(url_for("web_public.edition", slug=edition.slug)),
                "rooms": [{"name": name, "guid": guid(edition.slug, "room", name)}
                          for name in _rooms(scheduled)],
                "days": days,
            },
        },
    }


def _text(parent: ET.Element, tag: str, value: object, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = "" if value is None else str(value)
    return element


def schedule_xml(edition: Edition, version: ProgrammeVersion | None) -> bytes:
    document = schedule_json(edition, version)["schedule"]
    conference = document["conference"]
    root = ET.Element("schedule")
    _text(root, "version", document["version"])
    head = ET.SubElement(root, "conference")
    for tag in ("acronym", "title", "start", "end"):
        _text(head, tag, conference[tag])
    _text(head, "days", conference["daysCount"])
    for tag in ("timeslot_duration", "time_zone_name", "url"):
        _text(head, tag, conference[tag])
    for day in conference["days"]:
        day_element = ET.SubElement(root, "day", {
            "index": str(day["index"]), "date": day["date"], "start": day["day_start"],
            "end": day["day_end"]})
        for room_name, events in day["rooms"].items():
            room_element = ET.SubElement(day_element, "room", {"name": room_name})
            for event in events:
                _xml_event(room_element, event)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_event(room: ET.Element, event: dict[str, Any]) -> None:
    element = ET.SubElement(room, "event", {"id": str(event["id"]), "guid": event["guid"]})
    for tag in ("date", "start", "duration", "room", "slug", "url", "title", "subtitle",
                "track", "type", "language", "abstract", "description"):
        _text(element, tag, event[tag])
    persons = ET.SubElement(element, "persons")
    for person in event["persons"]:
        _text(persons, "person", person["name"], id=str(person["id"]))
    ET.SubElement(element, "links")
    ET.SubElement(element, "attachments")
