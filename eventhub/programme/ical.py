"""iCalendar (RFC 5545) export of programme items, with the edition's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from flask import current_app
from icalendar import Calendar, Event

from eventhub.editions.models import Edition


def calendar(edition: Edition, items: list[dict[str, Any]], name: str) -> bytes:
    """Items are as the API shows them (local ISO times); undated or cancelled items
    have no place in a calendar and are left out."""
    cal = Calendar()
    cal.add("prodid", "-//EventHub//Sub-Forum programme//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", edition.time_zone)
    host = current_app.config["EVENTHUB_PUBLIC_BASE_URL"].split("://")[-1].split("/")[0]
    stamp = dt.datetime.now(dt.UTC)
    # A named zone (not a bare offset) gives DTSTART;TZID=... and a VTIMEZONE block, so
    # calendars show the right local time across daylight-saving changes.
    zone = zoneinfo.ZoneInfo(edition.time_zone)
    for item in items:
        if not item["starts_at"] or item["is_cancelled"]:
            continue
        event = Event()
        event.add("uid", f"programme-item-{item['id']}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", dt.datetime.fromisoformat(item["starts_at"]).astimezone(zone))
        event.add("dtend", dt.datetime.fromisoformat(item["ends_at"]).astimezone(zone))
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
    cal.add_missing_timezones()
    return cal.to_ical()
