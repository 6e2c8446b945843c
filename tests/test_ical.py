"""The programme as iCalendar (RFC 5545): parsed back with icalendar and, independently,
with vobject, checked for the edition's time zone across the end of summer time (and in
2097, past the 2038 end of naive tables), stable UIDs, revisions that update a calendar
(SEQUENCE, STATUS:CANCELLED), a person's agenda, and the wire format itself (CRLF line
endings, lines folded at 75 octets)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import vobject
from _helpers import assert_problem, create_series
from _programme import (
    SLUG,
    ZONE,
    add_item,
    add_speech,
    at,
    item_url,
    open_edition,
    person,
    publish,
    register,
    sign_up,
    url,
)
from icalendar import Calendar

ICS = url(SLUG, "/programme.ics")
LONG_TITLE = ("Application of Information Technologies in Migration Management — 移民管理中的"
              "信息技术应用 — Aplicación de las tecnologías de la información en la gestión "
              "migratoria (São Tomé, Côte d'Ivoire, Türkiye)")


def download(client, path: str = ICS) -> tuple[bytes, Calendar]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".ics" in response.headers["Content-Disposition"]
    body = response.get_data()
    return body, Calendar.from_ical(body)


def events(calendar: Calendar) -> dict[str, object]:
    """VEVENTs by SUMMARY."""
    found = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "duplicate summaries"
    return found


@pytest.fixture
def programme(organizer_client):
    """A published programme on both sides of the change to winter time (26 Oct 2025)."""
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    items = {
        "welcome": add_item(organizer_client, "Welcome", at(24, "09:00"), at(24, "10:00"),
                            room="Hall A", kind="opening_ceremony"),
        "plenary": add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:30"),
                            room="Hall A"),
        "breakout": add_item(organizer_client, LONG_TITLE, at(27, "11:00"), at(27, "12:30"),
                             room="Room 1", kind="breakout_session", capacity=30,
                             description="Line one of the description.\nLine two, with a "
                             "comma; a semicolon and a backslash \\ " + "long text " * 20),
        "undated": add_item(organizer_client, "Exhibition", kind="exhibition"),
        "cancelled": add_item(organizer_client, "Dropped panel", at(27, "15:00"),
                              at(27, "16:00"), room="Hall B"),
    }
    assert add_speech(organizer_client, items["welcome"]["id"], speaker["id"],
                      role="welcome_speech").status_code == 201
    assert organizer_client.post(item_url(items["cancelled"]["id"], path="/cancel"),
                                 json={}).status_code == 200
    publish(organizer_client)
    # Not published: the calendar must not show it.
    add_item(organizer_client, "Draft only", at(28, "09:00"), at(28, "10:00"))
    return {"items": items, "speaker": speaker}


def test_calendar_has_one_event_per_dated_published_item(client, programme):
    _, calendar = download(client)

    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).strip()
    by_title = events(calendar)
    # Undated and unpublished items have no place in it; a published cancelled one is
    # there, cancelled, so a calendar holding it takes it out of the day.
    assert set(by_title) == {"Welcome", "Plenary", LONG_TITLE, "Dropped panel"}
    assert {title: str(event["STATUS"]) for title, event in by_title.items()} == {
        "Welcome": "CONFIRMED", "Plenary": "CONFIRMED", LONG_TITLE: "CONFIRMED",
        "Dropped panel": "CANCELLED"}
    assert str(by_title["Plenary"]["LOCATION"]) == "Hall A"
    assert str(by_title[LONG_TITLE]["LOCATION"]) == "Room 1"
    description = str(by_title[LONG_TITLE]["DESCRIPTION"])
    assert description.startswith("Line one of the description.\nLine two, with a comma; a "
                                  "semicolon and a backslash \\ long text")
    assert "Ana García" in str(by_title["Welcome"]["DESCRIPTION"])
    for event in by_title.values():
        assert "DTSTAMP" in event and "DTEND" in event
        assert event["SEQUENCE"] == 0


def test_times_carry_the_edition_zone_and_wall_clock_across_the_dst_change(client,
                                                                           programme):
    body, calendar = download(client)
    by_title = events(calendar)

    expected = {  # wall clock in Madrid, offset that day
        "Welcome": (dt.datetime(2025, 10, 24, 9, 0), dt.datetime(2025, 10, 24, 10, 0), 2),
        "Plenary": (dt.datetime(2025, 10, 27, 9, 0), dt.datetime(2025, 10, 27, 10, 30), 1),
        LONG_TITLE: (dt.datetime(2025, 10, 27, 11, 0), dt.datetime(2025, 10, 27, 12, 30), 1),
    }
    for title, (start, end, hours) in expected.items():
        event = by_title[title]
        for key, wall_clock in (("DTSTART", start), ("DTEND", end)):
            prop = event[key]
            assert prop.params["TZID"] == ZONE, (title, key, prop.params)
            value = prop.dt
            assert value.replace(tzinfo=None) == wall_clock, (title, key, value)
            assert value.utcoffset() == dt.timedelta(hours=hours), (title, key, value)
    # Literally, as a calendar client reads it.
    text = body.decode()
    assert "DTSTART;TZID=Europe/Madrid:20251024T090000\r\n" in text
    assert "DTSTART;TZID=Europe/Madrid:20251027T090000\r\n" in text
    assert "DTEND;TZID=Europe/Madrid:20251027T103000\r\n" in text


def test_a_vtimezone_describes_the_zone_with_summer_and_winter_offsets(client, programme):
    _, calendar = download(client)

    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == [ZONE]
    offsets = {(part.name, part["TZOFFSETTO"].td) for part in zones[0].subcomponents}
    assert ("DAYLIGHT", dt.timedelta(hours=2)) in offsets
    assert ("STANDARD", dt.timedelta(hours=1)) in offsets
    assert str(calendar.get("X-WR-TIMEZONE")) == ZONE


def test_uids_are_stable_across_downloads_and_versions(client, organizer_client, programme):
    _, first = download(client)
    _, second = download(client)
    uids = {str(e["SUMMARY"]): str(e["UID"]) for e in first.walk("VEVENT")}
    assert uids == {str(e["SUMMARY"]): str(e["UID"]) for e in second.walk("VEVENT")}
    assert len(set(uids.values())) == len(uids)

    plenary = programme["items"]["plenary"]
    organizer_client.patch(item_url(plenary["id"]), json={
        "starts_at": at(27, "14:00"), "ends_at": at(27, "15:30")})
    publish(organizer_client, "Plenary moved")
    _, moved = download(client)

    now = {str(e["SUMMARY"]): str(e["UID"]) for e in moved.walk("VEVENT")}
    # Version 2 also publishes "Draft only"; the items already there keep their UIDs.
    assert set(now) == {*uids, "Draft only"}
    assert "@" in uids["Plenary"]
    assert {title: now[title] for title in uids} == uids
    assert now["Draft only"] not in uids.values()
    assert events(moved)["Plenary"]["DTSTART"].dt.replace(tzinfo=None) == dt.datetime(
        2025, 10, 27, 14, 0)


def test_lines_end_in_crlf_and_are_folded_at_75_octets(client, programme):
    body, _ = download(client)

    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    too_long = [line for line in lines if len(line) > 75]
    assert too_long == []
    # The long title and description really were folded (continuation lines start with a
    # space), and unfolding gives the text back (checked through SUMMARY above).
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:  # no fold splits a UTF-8 sequence
        line.decode("utf-8")


def test_a_persons_agenda_calendar_has_exactly_their_items(organizer_client, client,
                                                           programme):
    items = programme["items"]
    registrant = register(organizer_client, "Bo Lin")
    assert add_speech(organizer_client, items["plenary"]["id"],
                      registrant["person_id"]).status_code == 201
    assert sign_up(organizer_client, items["breakout"]["id"],
                   registrant["id"]).status_code == 201
    other = register(organizer_client, "Chidi Okafor")
    assert sign_up(organizer_client, items["breakout"]["id"], other["id"]).status_code == 201
    path = url(SLUG, f"/people/{registrant['person_id']}/agenda.ics")

    _, calendar = download(organizer_client, path)

    assert set(events(calendar)) == {"Plenary", LONG_TITLE}
    public_uids = {str(e["SUMMARY"]): str(e["UID"]) for e in download(client)[1].walk("VEVENT")}
    assert {str(e["SUMMARY"]): str(e["UID"]) for e in calendar.walk("VEVENT")} == {
        "Plenary": public_uids["Plenary"], LONG_TITLE: public_uids[LONG_TITLE]}
    assert "Bo Lin" in str(calendar["X-WR-CALNAME"])
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == [ZONE]
    assert_problem(client.get(path), 401)
    _, speaker_calendar = download(organizer_client, url(
        SLUG, f"/people/{programme['speaker']['id']}/agenda.ics"))
    assert set(events(speaker_calendar)) == {"Welcome"}


def test_no_calendar_for_a_draft_edition_nor_before_anything_timed_is_published(
        organizer_client, client):
    open_edition(organizer_client, open_it=False)
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))

    assert_problem(client.get(ICS), 404)
    # RFC 5545 has no empty calendar: until a timed item is published there is no file.
    problem = assert_problem(organizer_client.get(ICS), 404)
    assert problem["code"] == "programme.nothing_timed"
    assert problem["detail"]


def test_the_2024_record_invents_no_times_so_it_has_no_calendar(client, seeded):
    problem = assert_problem(client.get(url("2024-suzhou", "/programme.ics")), 404)

    assert problem["code"] == "programme.nothing_timed"
    assert "2024-suzhou" in problem["detail"]


def _second(moment: str) -> dt.datetime:
    """A published_at as iCalendar writes it: UTC, to the second."""
    return dt.datetime.fromisoformat(moment).astimezone(dt.UTC).replace(microsecond=0)


def _by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_republished_programme_updates_a_calendar_that_imported_it(
        organizer_client, client, programme):
    """What a calendar client does with the second download: same UIDs, so it replaces
    its copies; a higher SEQUENCE for what changed; STATUS:CANCELLED for what is gone."""
    items = programme["items"]
    first_body, first = download(client)
    before = _by_uid(first)
    assert download(client)[0] == first_body  # the same programme gives the same bytes

    assert organizer_client.patch(item_url(items["plenary"]["id"]), json={
        "starts_at": at(27, "14:00"), "ends_at": at(27, "15:30"),
        "room": "Hall C"}).status_code == 200
    assert organizer_client.post(item_url(items["welcome"]["id"], path="/cancel"),
                                 json={}).status_code == 200
    assert organizer_client.delete(item_url(items["breakout"]["id"])).status_code == 204
    second_version = publish(organizer_client, "Plenary moved, welcome cancelled, breakout "
                                               "removed")
    second_body, second = download(client)
    published_at = {version["number"]: _second(version["published_at"]) for version in
                    client.get(url(SLUG, "/programme/versions")).json}
    assert second_version["number"] == 2
    after = _by_uid(second)

    assert set(before) <= set(after)
    by_title = {str(event["SUMMARY"]): uid for uid, event in after.items()}
    plenary, welcome = after[by_title["Plenary"]], after[by_title["Welcome"]]
    breakout, dropped = after[by_title[LONG_TITLE]], after[by_title["Dropped panel"]]
    assert by_title["Plenary"] in before and by_title["Welcome"] in before
    assert plenary["SEQUENCE"] == before[by_title["Plenary"]]["SEQUENCE"] + 1
    assert str(plenary["STATUS"]) == "CONFIRMED"
    assert plenary["DTSTART"].dt.replace(tzinfo=None) == dt.datetime(2025, 10, 27, 14, 0)
    assert str(plenary["LOCATION"]) == "Hall C"
    assert before[by_title["Plenary"]]["LAST-MODIFIED"].dt == published_at[1]
    assert plenary["LAST-MODIFIED"].dt == published_at[2]
    assert plenary["DTSTAMP"].dt == plenary["LAST-MODIFIED"].dt
    assert plenary["CREATED"].dt == before[by_title["Plenary"]]["CREATED"].dt
    # Cancelled in version 2, and removed from version 2: both stay, cancelled.
    for event in (welcome, breakout):
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] == 1
    # Untouched: neither a new revision nor a new stamp.
    assert dropped["SEQUENCE"] == 0
    assert dropped["LAST-MODIFIED"].dt == before[by_title["Dropped panel"]]["LAST-MODIFIED"].dt

    # An independent parser reads the same story.
    parsed = vobject.readOne(second_body.decode("utf-8"))
    seen = {event.uid.value: (event.summary.value, event.status.value,
                              int(event.sequence.value), event.dtstart.value)
            for event in parsed.vevent_list}
    assert seen[by_title["Plenary"]][1:3] == ("CONFIRMED", 1)
    assert seen[by_title["Plenary"]][3].utcoffset() == dt.timedelta(hours=1)
    assert seen[by_title["Plenary"]][3].replace(tzinfo=None) == dt.datetime(2025, 10, 27, 14)
    assert seen[by_title["Welcome"]][1:3] == ("CANCELLED", 1)
    assert seen[by_title[LONG_TITLE]][1:3] == ("CANCELLED", 1)
    assert len(seen) == len(after)


def test_the_agenda_calendar_tells_a_cancellation_to_the_person(organizer_client, client,
                                                               programme):
    items = programme["items"]
    path = url(SLUG, f"/people/{programme['speaker']['id']}/agenda.ics")
    assert organizer_client.post(item_url(items["welcome"]["id"], path="/cancel"),
                                 json={}).status_code == 200

    _, calendar = download(organizer_client, path)

    (welcome,) = calendar.walk("VEVENT")
    assert str(welcome["SUMMARY"]) == "Welcome"
    assert str(welcome["STATUS"]) == "CANCELLED" and welcome["SEQUENCE"] == 1
    public = _by_uid(download(client)[1])
    assert public[str(welcome["UID"])]["SEQUENCE"] == 0  # not published yet


def test_the_vtimezone_holds_for_2097_in_both_parsers(organizer_client, client):
    """Europe/Paris in 2097: a table that stops in 2038 puts summer events an hour out."""
    slug = "paris-2097"
    create_series(organizer_client, slug="gpscf", name="Global Public Security Forum")
    response = organizer_client.post("/api/v1/editions", json={
        "series": "gpscf", "ordinal": 1, "slug": slug, "title": "Sub-Forum Paris 2097",
        "time_zone": "Europe/Paris", "start_date": "2097-01-14", "end_date": "2097-07-16"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert organizer_client.post(url(slug, "/status"), json={"status": "open"}
                                 ).status_code == 200
    add_item(organizer_client, "Winter session", "2097-01-15T10:00:00",
             "2097-01-15T11:00:00", slug=slug)
    add_item(organizer_client, "Summer session", "2097-07-15T10:00:00",
             "2097-07-15T11:00:00", slug=slug)
    publish(organizer_client, slug=slug)

    body, calendar = download(client, url(slug, "/programme.ics"))

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    expected = {"Winter session": dt.datetime(2097, 1, 15, 10, tzinfo=paris),
                "Summer session": dt.datetime(2097, 7, 15, 10, tzinfo=paris)}
    assert expected["Summer session"].utcoffset() == dt.timedelta(hours=2)
    by_title = events(calendar)
    parsed = {event.summary.value: event
              for event in vobject.readOne(body.decode("utf-8")).vevent_list}
    for title, start in expected.items():
        for value in (by_title[title]["DTSTART"].dt, parsed[title].dtstart.value):
            assert value.replace(tzinfo=None) == start.replace(tzinfo=None)
            assert value.utcoffset() == start.utcoffset(), (title, value)
            assert value.astimezone(dt.UTC) == start.astimezone(dt.UTC)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    onsets = set()
    for part in zone.subcomponents:
        onsets.add((part.name, part["DTSTART"].dt.year))
        rdates = part.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            onsets.update((part.name, moment.dt.year) for moment in rdate.dts)
    # The year's own transitions are there (not only rules from before 2038).
    assert ("DAYLIGHT", 2097) in onsets and ("STANDARD", 2097) in onsets
