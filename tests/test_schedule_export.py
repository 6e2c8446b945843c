"""The published programme as conference apps load it: frab XML checked with lxml against
an XML Schema written from the c3voc definition (tests/data/schedule/schedule.xml.xsd),
the pretalx JSON checked with jsonschema against one written from c3voc's schema.json,
and both read for what an app shows: the right days, rooms, local times and offsets,
speakers, GUIDs that survive a new version, and an archived edition read as it was."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path

import jsonschema
import pytest
from _helpers import assert_problem
from _programme import (
    SLUG,
    add_item,
    add_speech,
    at,
    item_url,
    open_edition,
    person,
    publish,
    url,
)
from lxml import etree

SCHEMAS = Path(__file__).parent / "data" / "schedule"
XML = url(SLUG, "/programme/schedule.xml")
JSON = url(SLUG, "/programme/schedule.json")


@pytest.fixture(scope="module")
def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads((SCHEMAS / "schedule.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema)


@pytest.fixture
def programme(organizer_client):
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    items = {
        "welcome": add_item(organizer_client, "Welcome", at(24, "09:00"), at(24, "10:00"),
                            room="Hall A", kind="opening_ceremony"),
        "plenary": add_item(organizer_client, "Plenary: Cooperation & Data", at(27, "09:00"),
                            at(27, "10:30"), room="Hall A",
                            description="Border data <exchange> in practice."),
        "breakout": add_item(organizer_client, "移民管理信息技术", at(27, "11:00"),
                             at(27, "12:30"), room="Room 1", kind="breakout_session"),
        "undated": add_item(organizer_client, "Exhibition", kind="exhibition"),
        "cancelled": add_item(organizer_client, "Dropped panel", at(27, "15:00"),
                              at(27, "16:00"), room="Hall B"),
    }
    assert add_speech(organizer_client, items["plenary"]["id"], speaker["id"]
                      ).status_code == 201
    assert organizer_client.post(item_url(items["cancelled"]["id"], path="/cancel"),
                                 json={}).status_code == 200
    publish(organizer_client)
    add_item(organizer_client, "Draft only", at(28, "09:00"), at(28, "10:00"))
    return {"items": items, "speaker": speaker}


def _xml(client, xml_schema) -> etree._Element:
    response = client.get(XML)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    document = etree.fromstring(response.get_data())
    xml_schema.assertValid(document)
    return document


def _json(client, json_validator) -> dict:
    response = client.get(JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    document = response.get_json()
    errors = sorted(json_validator.iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return document


def test_the_xml_schedule_has_the_structure_the_definition_requires(client, programme,
                                                                    xml_schema):
    document = _xml(client, xml_schema)

    assert document.tag == "schedule"
    assert document.findtext("version") == "1"
    conference = document.find("conference")
    assert conference.findtext("acronym") == "madrid_2025"
    assert conference.findtext("title") == f"Sub-Forum {SLUG}"
    assert (conference.findtext("start"), conference.findtext("end")) == (
        "2025-10-24", "2025-10-28")
    assert conference.findtext("days") == "5"
    assert conference.findtext("time_zone_name") == "Europe/Madrid"
    assert conference.findtext("url").endswith(f"/editions/{SLUG}")
    days = document.findall("day")
    assert [(d.get("index"), d.get("date")) for d in days] == [
        (str(n), f"2025-10-{23 + n}") for n in range(1, 6)]
    assert days[0].get("start") == "2025-10-24T00:00:00+02:00"
    assert days[3].get("start") == "2025-10-27T00:00:00+01:00"
    # Rooms per day, events in their rooms; the cancelled, the undated and the draft item
    # are not on anyone's timetable.
    rooms = {(d.get("date"), r.get("name")): [e.findtext("title") for e in r.findall("event")]
             for d in days for r in d.findall("room")}
    assert rooms == {("2025-10-24", "Hall A"): ["Welcome"],
                     ("2025-10-27", "Hall A"): ["Plenary: Cooperation & Data"],
                     ("2025-10-27", "Room 1"): ["移民管理信息技术"]}
    plenary = document.find(".//event[title='Plenary: Cooperation & Data']")
    assert plenary.get("id") == str(programme["items"]["plenary"]["id"])
    assert uuid.UUID(plenary.get("guid")).version == 5
    assert plenary.findtext("date") == "2025-10-27T09:00:00+01:00"
    assert (plenary.findtext("start"), plenary.findtext("duration")) == ("09:00", "01:30")
    assert plenary.findtext("room") == "Hall A"
    assert plenary.findtext("type") == "talk"
    assert plenary.findtext("track") == "Plenary"
    assert plenary.findtext("abstract") == "Border data <exchange> in practice."
    assert [p.text for p in plenary.find("persons")] == ["Ana García"]
    welcome = document.find(".//event[title='Welcome']")
    assert welcome.findtext("date") == "2025-10-24T09:00:00+02:00"
    assert welcome.findtext("type") == "other"
    # The schema does hold the file to the definition: without a GUID, a duration or a
    # room, or with a time without its offset, it is refused.
    for spoil in (lambda e: e.attrib.pop("guid"),
                  lambda e: e.remove(e.find("duration")),
                  lambda e: e.remove(e.find("room")),
                  lambda e: setattr(e.find("date"), "text", "2025-10-27T09:00:00")):
        spoilt = copy.deepcopy(document)
        spoil(spoilt.find(".//event"))
        assert not xml_schema.validate(spoilt)


def test_the_json_schedule_has_the_structure_the_definition_requires(client, programme,
                                                                     json_validator,
                                                                     xml_schema):
    document = _json(client, json_validator)

    schedule = document["schedule"]
    conference = schedule["conference"]
    assert schedule["version"] == "1"
    assert conference["daysCount"] == len(conference["days"]) == 5
    assert {room["name"] for room in conference["rooms"]} == {"Hall A", "Room 1"}
    for day in conference["days"]:
        dt.date.fromisoformat(day["date"])
        assert dt.datetime.fromisoformat(day["day_start"]).utcoffset() is not None
    events = {event["title"]: event for day in conference["days"]
              for room in day["rooms"].values() for event in room}
    assert set(events) == {"Welcome", "Plenary: Cooperation & Data", "移民管理信息技术"}
    plenary = events["Plenary: Cooperation & Data"]
    moment = dt.datetime.fromisoformat(plenary["date"])
    assert moment.utcoffset() == dt.timedelta(hours=1)
    assert moment.astimezone(dt.UTC) == dt.datetime(2025, 10, 27, 8, tzinfo=dt.UTC)
    assert (plenary["start"], plenary["duration"], plenary["room"]) == ("09:00", "01:30",
                                                                        "Hall A")
    assert [p["name"] for p in plenary["persons"]] == ["Ana García"]
    assert events["移民管理信息技术"]["type"] == "discussion"
    breakout_id = programme["items"]["breakout"]["id"]
    assert events["移民管理信息技术"]["slug"] == f"madrid_2025-{breakout_id}"
    for member in ("guid", "date", "start", "duration", "room", "title", "type", "persons"):
        spoilt = copy.deepcopy(document)
        del next(iter(spoilt["schedule"]["conference"]["days"][0]["rooms"].values()))[0][
            member]
        assert not json_validator.is_valid(spoilt), member
    # The XML and the JSON describe the same events.
    xml_guids = {e.findtext("title"): e.get("guid")
                 for e in _xml(client, xml_schema).iter("event")}
    assert xml_guids == {title: event["guid"] for title, event in events.items()}


def test_guids_survive_a_new_version_so_apps_keep_their_favourites(
        organizer_client, client, programme, json_validator):
    def by_id(document):
        return {event["id"]: event for day in document["schedule"]["conference"]["days"]
                for room in day["rooms"].values() for event in room}

    before = by_id(_json(client, json_validator))
    plenary_id = programme["items"]["plenary"]["id"]
    assert organizer_client.patch(item_url(plenary_id), json={
        "starts_at": at(28, "14:00"), "ends_at": at(28, "15:00"),
        "room": "Hall C"}).status_code == 200
    publish(organizer_client, "Plenary moved")

    after_document = _json(client, json_validator)
    after = by_id(after_document)
    assert after_document["schedule"]["version"] == "2"
    assert after[plenary_id]["guid"] == before[plenary_id]["guid"]
    assert (after[plenary_id]["date"], after[plenary_id]["duration"],
            after[plenary_id]["room"]) == ("2025-10-28T14:00:00+01:00", "01:00", "Hall C")
    assert {event["title"] for event in after.values()} >= {"Draft only"}


def test_no_schedule_without_a_timed_published_item(organizer_client, client, seeded):
    open_edition(organizer_client, open_it=False)
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))

    assert_problem(client.get(XML), 404)  # a draft edition is not public
    for path in (XML, JSON):
        assert assert_problem(organizer_client.get(path), 404)["code"] == (
            "programme.nothing_timed")
    # The 2024 record gives the order of proceedings, never invented times.
    for suffix in ("xml", "json"):
        problem = assert_problem(
            client.get(url("2024-suzhou", f"/programme/schedule.{suffix}")), 404)
        assert problem["code"] == "programme.nothing_timed"


def test_an_archived_edition_exports_as_it_was(organizer_client, admin_client, client,
                                               programme):
    before = (client.get(XML).get_data(), client.get(JSON).get_data())
    for status in ("closed", "archived"):
        assert organizer_client.post(url(SLUG, "/status"), json={"status": status}
                                     ).status_code == 200
    assert admin_client.patch(f"/api/v1/people/{programme['speaker']['id']}", json={
        "full_name": "Ana García Renamed"}).status_code == 200

    assert (client.get(XML).get_data(), client.get(JSON).get_data()) == before
