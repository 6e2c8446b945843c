"""The published programme as the schedule files conference apps (Giggity, ConfClerk,
EventFahrplan) load: frab-compatible XML and the JSON schedule pretalx publishes."""

from __future__ import annotations

import json

from flask import Response

from eventhub.http import Blueprint, current_actor
from eventhub.programme import schedule_export, service

blp = Blueprint("programme_schedule", __name__, url_prefix="/api/v1",
                description="The published programme as conference-app schedule files")

XML_MIME = "application/xml"
JSON_MIME = "application/json"
# What the document promises of the files; their full structure is the c3voc
# definitions' (see eventhub.programme.schedule_export and its tests).
XML_BODY = {"type": "string", "description": "<schedule> with <conference> and a <day> "
            "per day of the edition, rooms and events"}
JSON_BODY = {
    "type": "object", "required": ["schedule"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "generator": {"type": "object", "properties": {"name": {"type": "string"}}},
        "schedule": {"type": "object", "required": ["version", "conference"], "properties": {
            "version": {"type": "string"}, "base_url": {"type": "string", "format": "uri"},
            "conference": {"type": "object", "required": [
                "acronym", "title", "start", "end", "daysCount", "timeslot_duration",
                "days"], "properties": {
                    "acronym": {"type": "string"}, "title": {"type": "string"},
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date"},
                    "daysCount": {"type": "integer"},
                    "timeslot_duration": {"type": "string", "example": "00:15"},
                    "time_zone_name": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                    "rooms": {"type": "array", "items": {"type": "object"}},
                    "days": {"type": "array", "items": {"type": "object"},
                             "description": "Each day with its rooms and their events"}}}}},
    },
}


@blp.route("/editions/<slug>/programme/schedule.xml", methods=["GET"])
@blp.response(200, XML_BODY, description="The published programme as a frab-compatible schedule "
              "(the c3voc schedule.xml.xsd structure)", content_type=XML_MIME)
def programme_schedule_xml(slug: str) -> Response:
    """The published programme as frab/Pentabarf schedule XML; 404 with
    `programme.nothing_timed` while no published item has a time."""
    edition, version = service.published_schedule(current_actor(), slug)
    return Response(schedule_export.schedule_xml(edition, version), mimetype=XML_MIME,
                    headers={"Content-Disposition": f'inline; filename="{slug}-schedule.xml"'})


@blp.route("/editions/<slug>/programme/schedule.json", methods=["GET"])
@blp.response(200, JSON_BODY, description="The published programme as the JSON schedule pretalx "
              "publishes (the c3voc schema.json structure)", content_type=JSON_MIME)
def programme_schedule_json(slug: str) -> Response:
    """The published programme as a pretalx/frab JSON schedule; 404 with
    `programme.nothing_timed` while no published item has a time."""
    edition, version = service.published_schedule(current_actor(), slug)
    body = json.dumps(schedule_export.schedule_json(edition, version), ensure_ascii=False,
                      indent=1)
    return Response(body, mimetype=JSON_MIME,
                    headers={"Content-Disposition": f'inline; filename="{slug}-schedule.json"'})
