"""The programme through the HTTP API on the real database: items and their times in the
edition's zone, clash detection by room and by person, the speakers' running order,
protocol order, published versions and their changelog, filters, exhibitors, breakout
sign-ups with capacity, attendance, a person's agenda, the 2024 record, and who may do what.
"""

from __future__ import annotations

import pytest
from _helpers import assert_problem, error_fields
from _programme import (
    SLUG,
    ZONE,
    add_item,
    add_speech,
    at,
    draft,
    draft_item,
    item_url,
    items_url,
    open_edition,
    organization,
    person,
    positions,
    publish,
    register,
    sign_up,
    speaker_names,
    url,
)

PROGRAMME = url(SLUG, "/programme")


# Items and their times ------------------------------------------------------------------

def test_naive_times_are_wall_clock_times_in_the_edition_zone(organizer_client):
    open_edition(organizer_client)

    after_dst = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:30"),
                         room="Hall A")
    before_dst = add_item(organizer_client, "Welcome", at(24, "09:00"), at(24, "10:00"),
                          room="Hall A")

    # Monday 27 October is winter time (+01:00), Friday 24 October still summer time.
    assert (after_dst["starts_at"], after_dst["ends_at"]) == (
        "2025-10-27T09:00:00+01:00", "2025-10-27T10:30:00+01:00")
    assert (before_dst["starts_at"], before_dst["ends_at"]) == (
        "2025-10-24T09:00:00+02:00", "2025-10-24T10:00:00+02:00")
    # Stored, not just echoed: the working copy reads back the same, in time order.
    items = draft(organizer_client)
    assert [(i["title"], i["starts_at"]) for i in items] == [
        ("Welcome", "2025-10-24T09:00:00+02:00"), ("Plenary", "2025-10-27T09:00:00+01:00")]
    programme = organizer_client.get(url(SLUG, "/programme?version=draft")).json
    assert programme["time_zone"] == ZONE


def test_a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_first(
        organizer_client):
    open_edition(organizer_client)  # 24-28 October 2025: summer time ends on the 26th
    spring = organizer_client.post("/api/v1/editions", json={
        "series": "gpscf", "ordinal": 2, "slug": "madrid-2026", "title": "Spring",
        "time_zone": ZONE, "start_date": "2026-03-28", "end_date": "2026-03-30"})
    assert spring.status_code == 201, spring.json
    # Sunday 29 March 2026: at 02:00 the clocks in Madrid go forward to 03:00.
    body = assert_problem(organizer_client.post(items_url("madrid-2026"), json={
        "kind": "plenary", "title": "Night session", "starts_at": "2026-03-29T02:30:00",
        "ends_at": "2026-03-29T04:00:00"}), 422)
    assert error_fields(body) == {"starts_at"}
    assert "does not exist in Europe/Madrid" in body["detail"]
    assert draft(organizer_client, "madrid-2026") == []
    around = add_item(organizer_client, "Around the change", "2026-03-29T01:30:00",
                      "2026-03-29T03:30:00", slug="madrid-2026")
    assert (around["starts_at"], around["ends_at"]) == (
        "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00")

    # Sunday 26 October 2025: 02:00-03:00 happens twice; a wall-clock time is the first.
    repeated = add_item(organizer_client, "Repeated hour", at(26, "02:30"), at(26, "04:00"))
    assert repeated["starts_at"] == "2025-10-26T02:30:00+02:00"


def test_times_with_an_explicit_offset_are_converted_to_the_edition_zone(organizer_client):
    open_edition(organizer_client)

    utc = add_item(organizer_client, "Given in UTC", "2025-10-27T08:00:00Z",
                   "2025-10-27T09:15:00+00:00")
    beijing = add_item(organizer_client, "Given in Beijing time", "2025-10-24T15:00:00+08:00",
                       "2025-10-24T16:00:00+08:00")

    assert (utc["starts_at"], utc["ends_at"]) == (
        "2025-10-27T09:00:00+01:00", "2025-10-27T10:15:00+01:00")
    assert (beijing["starts_at"], beijing["ends_at"]) == (
        "2025-10-24T09:00:00+02:00", "2025-10-24T10:00:00+02:00")
    assert draft_item(organizer_client, utc["id"])["starts_at"] == "2025-10-27T09:00:00+01:00"


def test_item_create_update_delete(organizer_client):
    open_edition(organizer_client)
    created = add_item(organizer_client, "Breakout 1", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", room="Room 1", capacity=40,
                       description="Personnel exchanges", chairs="Chaired by A. Chair")
    assert created["kind"] == "breakout_session"
    assert (created["room"], created["capacity"], created["chairs"]) == (
        "Room 1", 40, "Chaired by A. Chair")
    assert created["is_cancelled"] is False and created["speeches"] == []

    patched = organizer_client.patch(item_url(created["id"]), json={
        "title": "Breakout 1: personnel exchanges", "room": "Room 2", "ends_at": at(27, "13:00")})
    assert patched.status_code == 200, patched.json
    assert (patched.json["title"], patched.json["room"], patched.json["ends_at"]) == (
        "Breakout 1: personnel exchanges", "Room 2", "2025-10-27T13:00:00+01:00")
    assert patched.json["starts_at"] == "2025-10-27T11:00:00+01:00"
    assert draft_item(organizer_client, created["id"])["room"] == "Room 2"

    # Undated items (times not known yet) are allowed, and times can be removed together.
    undated = add_item(organizer_client, "Exhibition", kind="exhibition")
    assert (undated["starts_at"], undated["ends_at"]) == (None, None)
    cleared = organizer_client.patch(item_url(created["id"]),
                                     json={"starts_at": None, "ends_at": None})
    assert cleared.status_code == 200
    assert (cleared.json["starts_at"], cleared.json["ends_at"]) == (None, None)

    assert organizer_client.delete(item_url(created["id"])).status_code == 204
    assert [i["id"] for i in draft(organizer_client)] == [undated["id"]]
    assert_problem(organizer_client.delete(item_url(created["id"])), 404)
    assert_problem(organizer_client.patch(item_url(created["id"]), json={"title": "x"}), 404)
    # Unknown fields and kinds are refused.
    assert_problem(organizer_client.post(items_url(), json={
        "kind": "banquet", "title": "Dinner"}), 422)
    assert_problem(organizer_client.post(items_url(), json={
        "kind": "social", "title": "Dinner", "colour": "red"}), 422)


@pytest.mark.parametrize("start, end", [
    (at(27, "10:00"), at(27, "09:00")),
    (at(27, "10:00"), at(27, "10:00")),
    # 09:30 local given in UTC, against a start given with the local offset.
    ("2025-10-27T10:00:00+01:00", "2025-10-27T08:30:00Z"),
])
def test_an_end_not_after_the_start_is_refused(organizer_client, start, end):
    open_edition(organizer_client)
    body = assert_problem(organizer_client.post(items_url(), json={
        "kind": "plenary", "title": "Backwards", "starts_at": start, "ends_at": end}), 422)
    assert error_fields(body) == {"ends_at"}
    assert draft(organizer_client) == []


def test_start_and_end_in_different_offsets_compare_as_instants(organizer_client):
    open_edition(organizer_client)
    # 09:30Z is 10:30 in Madrid: after the 10:00 start, though "09:30" < "10:00".
    item = add_item(organizer_client, "Mixed offsets", "2025-10-27T10:00:00+01:00",
                    "2025-10-27T09:30:00Z")
    assert item["ends_at"] == "2025-10-27T10:30:00+01:00"


def test_an_end_before_the_start_by_patch_is_refused_and_nothing_changes(organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))

    body = assert_problem(organizer_client.patch(item_url(item["id"]),
                                                 json={"ends_at": at(27, "08:00")}), 422)
    assert error_fields(body) == {"ends_at"}
    assert draft_item(organizer_client, item["id"])["ends_at"] == "2025-10-27T10:00:00+01:00"


@pytest.mark.parametrize("given", [{"starts_at": at(27, "09:00")}, {"ends_at": at(27, "10:00")}])
def test_only_one_of_start_and_end_is_refused(organizer_client, given):
    open_edition(organizer_client)
    body = assert_problem(organizer_client.post(items_url(), json={
        "kind": "plenary", "title": "Half-timed", **given}), 422)
    assert error_fields(body) == {"ends_at"}
    assert draft(organizer_client) == []

    item = add_item(organizer_client, "Timed", at(27, "09:00"), at(27, "10:00"))
    assert_problem(organizer_client.patch(item_url(item["id"]), json={"ends_at": None}), 422)
    undated = add_item(organizer_client, "Undated")
    assert_problem(organizer_client.patch(item_url(undated["id"]), json=given), 422)
    assert draft_item(organizer_client, undated["id"])["starts_at"] is None


@pytest.mark.parametrize(("start", "end", "field"), [
    (at(23, "23:30"), at(24, "09:30"), "starts_at"),     # begins the evening before
    (at(28, "23:00"), at(29, "00:30"), "ends_at"),       # runs past midnight after the last day
    (at(29, "09:00"), at(29, "10:00"), "starts_at"),     # the day after
    ("2025-10-23T21:30:00+00:00", "2025-10-23T23:00:00+00:00", "starts_at"),  # 23:30 local
])
def test_items_outside_the_edition_days_are_refused(organizer_client, start, end, field):
    open_edition(organizer_client)
    body = assert_problem(organizer_client.post(items_url(), json={
        "kind": "plenary", "title": "Out of days", "starts_at": start, "ends_at": end}), 422)
    assert error_fields(body) == {field}
    assert "2025-10-24 to 2025-10-28" in body["errors"][0]["message"]
    assert draft(organizer_client) == []


def test_the_edition_days_run_from_the_first_midnight_to_the_midnight_after_the_last(
        organizer_client):
    open_edition(organizer_client)
    dawn = add_item(organizer_client, "Dawn", at(24, "00:00"), at(24, "01:00"))
    dinner = add_item(organizer_client, "Dinner", at(28, "22:00"), at(29, "00:00"))
    assert dinner["ends_at"] == "2025-10-29T00:00:00+01:00"

    assert_problem(organizer_client.patch(item_url(dawn["id"]), json={
        "starts_at": at(23, "23:00")}), 422)
    assert draft_item(organizer_client, dawn["id"])["starts_at"] == "2025-10-24T00:00:00+02:00"


def test_new_edition_dates_may_not_strand_scheduled_items(organizer_client):
    open_edition(organizer_client)
    opening = add_item(organizer_client, "Opening", at(24, "09:00"), at(24, "10:00"))
    add_item(organizer_client, "Unscheduled")

    body = assert_problem(organizer_client.patch(url(SLUG), json={
        "start_date": "2025-10-25"}), 409)
    assert "“Opening”" in body["detail"]
    assert body["code"] == "edition.programme_outside_days"
    assert organizer_client.get(url(SLUG)).json["start_date"] == "2025-10-24"

    organizer_client.patch(item_url(opening["id"]), json={
        "starts_at": at(25, "09:00"), "ends_at": at(25, "10:00")})
    moved = organizer_client.patch(url(SLUG), json={"start_date": "2025-10-25"})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.json["start_date"] == "2025-10-25"


# Clashes by room ------------------------------------------------------------------------

def test_room_clash_is_refused_naming_the_clashing_item(organizer_client):
    open_edition(organizer_client)
    first = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                     room="Hall A")

    response = organizer_client.post(items_url(), json={
        "kind": "breakout_session", "title": "Overlapping", "room": "Hall A",
        "starts_at": at(27, "09:30"), "ends_at": at(27, "10:30")})

    body = assert_problem(response, 409)
    assert body["clashes_with"]["id"] == first["id"]
    assert body["clashes_with"]["title"] == "Plenary"
    assert body["clashes_with"]["starts_at"] == "2025-10-27T09:00:00+01:00"
    # Room names match whatever their case; an item inside another clashes too.
    inner = assert_problem(organizer_client.post(items_url(), json={
        "kind": "side_event", "title": "Inside", "room": "hall a",
        "starts_at": at(27, "09:15"), "ends_at": at(27, "09:45")}), 409)
    assert inner["clashes_with"]["id"] == first["id"]
    assert [i["title"] for i in draft(organizer_client)] == ["Plenary"]


def test_adjacent_times_other_rooms_and_cancelled_items_do_not_clash(organizer_client):
    open_edition(organizer_client)
    first = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                     room="Hall A")

    add_item(organizer_client, "Right after", at(27, "10:00"), at(27, "11:00"), room="Hall A")
    add_item(organizer_client, "Right before", at(27, "08:00"), at(27, "09:00"), room="Hall A")
    add_item(organizer_client, "Elsewhere", at(27, "09:00"), at(27, "10:00"), room="Hall B")
    add_item(organizer_client, "No room yet", at(27, "09:00"), at(27, "10:00"))

    cancelled = organizer_client.post(item_url(first["id"], path="/cancel"), json={})
    assert cancelled.status_code == 200 and cancelled.json["is_cancelled"] is True
    replacement = add_item(organizer_client, "Replacement", at(27, "09:00"), at(27, "10:00"),
                           room="Hall A")

    # Restoring the cancelled item now clashes with its replacement.
    body = assert_problem(organizer_client.post(item_url(first["id"], path="/cancel"),
                                                json={"cancelled": False}), 409)
    assert body["clashes_with"]["id"] == replacement["id"]
    assert draft_item(organizer_client, first["id"])["is_cancelled"] is True


def test_patch_moving_an_item_into_a_room_clash_is_refused_and_changes_nothing(
        organizer_client):
    open_edition(organizer_client)
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                       room="Hall A")
    breakout = add_item(organizer_client, "Breakout", at(27, "11:00"), at(27, "12:00"),
                        room="Room 1", kind="breakout_session")
    before = draft(organizer_client)

    by_time_and_room = organizer_client.patch(item_url(breakout["id"]), json={
        "room": "Hall A", "starts_at": at(27, "09:30"), "ends_at": at(27, "10:30"),
        "title": "Renamed too"})
    body = assert_problem(by_time_and_room, 409)
    assert (body["clashes_with"]["id"], body["clashes_with"]["title"]) == (
        plenary["id"], "Plenary")
    by_room = assert_problem(organizer_client.patch(item_url(breakout["id"]), json={
        "room": "Hall A", "starts_at": at(27, "09:00"), "ends_at": at(27, "10:00")}), 409)
    assert by_room["clashes_with"]["id"] == plenary["id"]
    # The plenary moved onto the breakout's slot in its room also clashes.
    assert_problem(organizer_client.patch(item_url(plenary["id"]), json={
        "room": "Room 1", "starts_at": at(27, "11:30"), "ends_at": at(27, "12:30")}), 409)

    assert draft(organizer_client) == before


# Clashes by person ----------------------------------------------------------------------

def test_a_speaker_in_two_overlapping_items_is_refused(organizer_client):
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                       room="Hall A")
    panel = add_item(organizer_client, "Panel", at(27, "09:30"), at(27, "10:30"), room="Hall B")
    later = add_item(organizer_client, "Later panel", at(27, "10:00"), at(27, "11:00"),
                     room="Hall C")
    assert add_speech(organizer_client, plenary["id"], speaker["id"]).status_code == 201

    body = assert_problem(add_speech(organizer_client, panel["id"], speaker["id"]), 409)

    assert (body["clashes_with"]["id"], body["clashes_with"]["title"]) == (
        plenary["id"], "Plenary")
    assert body["person_id"] == speaker["id"]
    assert "Ana García" in body["detail"]
    assert draft_item(organizer_client, panel["id"])["speeches"] == []
    # Back to back is fine.
    assert add_speech(organizer_client, later["id"], speaker["id"]).status_code == 201


def test_moving_an_item_onto_its_speakers_other_slot_is_refused(organizer_client):
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                       room="Hall A")
    panel = add_item(organizer_client, "Panel", at(27, "11:00"), at(27, "12:00"), room="Hall B")
    for item in (plenary, panel):
        assert add_speech(organizer_client, item["id"], speaker["id"]).status_code == 201

    body = assert_problem(organizer_client.patch(item_url(panel["id"]), json={
        "starts_at": at(27, "09:45"), "ends_at": at(27, "10:45")}), 409)

    assert body["clashes_with"]["id"] == plenary["id"]
    assert body["person_id"] == speaker["id"]
    assert draft_item(organizer_client, panel["id"])["starts_at"] == "2025-10-27T11:00:00+01:00"


def test_a_cancelled_item_does_not_hold_its_speaker(organizer_client):
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    panel = add_item(organizer_client, "Panel", at(27, "09:00"), at(27, "10:00"))
    assert add_speech(organizer_client, plenary["id"], speaker["id"]).status_code == 201
    assert organizer_client.post(item_url(plenary["id"], path="/cancel"),
                                 json={}).status_code == 200

    assert add_speech(organizer_client, panel["id"], speaker["id"]).status_code == 201


def test_restoring_a_cancelled_item_re_checks_its_speakers(organizer_client):
    open_edition(organizer_client)
    speaker = person(organizer_client, "Ana García")
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"),
                       room="Hall A")
    panel = add_item(organizer_client, "Panel", at(27, "09:00"), at(27, "10:00"), room="Hall B")
    assert add_speech(organizer_client, plenary["id"], speaker["id"]).status_code == 201
    assert organizer_client.post(item_url(plenary["id"], path="/cancel"),
                                 json={}).status_code == 200
    assert add_speech(organizer_client, panel["id"], speaker["id"]).status_code == 201

    response = organizer_client.post(item_url(plenary["id"], path="/cancel"),
                                     json={"cancelled": False})

    body = assert_problem(response, 409)
    assert body["clashes_with"]["id"] == panel["id"]
    assert body["person_id"] == speaker["id"]
    assert draft_item(organizer_client, plenary["id"])["is_cancelled"] is True


# Speakers in running order --------------------------------------------------------------

def test_speakers_insert_move_and_delete_keep_positions_dense(organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "12:00"))
    people = {name: person(organizer_client, name) for name in
              ("Alpha", "Bravo", "Charlie", "Delta", "Echo")}
    speeches = {}

    def speech_url(name: str) -> str:
        return item_url(item["id"], path=f"/speeches/{speeches[name]['id']}")

    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        response = add_speech(organizer_client, item["id"], people[name]["id"],
                              role="plenary_speech")
        assert response.status_code == 201, response.json
        speeches[name] = response.json
    assert [speeches[n]["position"] for n in ("Alpha", "Bravo", "Charlie", "Delta")] == [
        1, 2, 3, 4]

    inserted = add_speech(organizer_client, item["id"], people["Echo"]["id"], position=2,
                          talk_title="Innovation at borders", delivery="video")
    assert inserted.status_code == 201
    assert inserted.json["position"] == 2
    speeches["Echo"] = inserted.json
    current = draft_item(organizer_client, item["id"])
    assert speaker_names(current) == ["Alpha", "Echo", "Bravo", "Charlie", "Delta"]
    assert positions(current) == [1, 2, 3, 4, 5]
    assert current["speeches"][1]["talk_title"] == "Innovation at borders"
    assert current["speeches"][1]["delivery"] == "video"

    moved = organizer_client.patch(speech_url("Delta"), json={"position": 1})
    assert moved.status_code == 200, moved.json
    assert moved.json["position"] == 1
    current = draft_item(organizer_client, item["id"])
    assert speaker_names(current) == ["Delta", "Alpha", "Echo", "Bravo", "Charlie"]
    assert positions(current) == [1, 2, 3, 4, 5]

    # Moving down, and changing the role in the same request.
    moved = organizer_client.patch(speech_url("Alpha"), json={"position": 4, "role": "keynote"})
    assert moved.status_code == 200
    current = draft_item(organizer_client, item["id"])
    assert speaker_names(current) == ["Delta", "Echo", "Bravo", "Alpha", "Charlie"]
    assert current["speeches"][3]["role"] == "keynote"

    deleted = organizer_client.delete(speech_url("Echo"))
    assert deleted.status_code == 204
    current = draft_item(organizer_client, item["id"])
    assert speaker_names(current) == ["Delta", "Bravo", "Alpha", "Charlie"]
    assert positions(current) == [1, 2, 3, 4]

    # A position past the end means last; the first place is 1.
    beyond = organizer_client.patch(speech_url("Delta"), json={"position": 99})
    assert beyond.status_code == 200 and beyond.json["position"] == 4
    current = draft_item(organizer_client, item["id"])
    assert speaker_names(current) == ["Bravo", "Alpha", "Charlie", "Delta"]
    assert positions(current) == [1, 2, 3, 4]
    assert_problem(organizer_client.patch(speech_url("Delta"), json={"position": 0}), 422)
    assert_problem(organizer_client.delete(speech_url("Echo")), 404)
    assert_problem(add_speech(organizer_client, item["id"], 999_999), 422)


# Publishing and what the public sees ----------------------------------------------------

def test_the_public_sees_only_published_versions(organizer_client, client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"), room="Hall A")

    unpublished = client.get(PROGRAMME)
    assert unpublished.status_code == 200
    assert (unpublished.json["version"], unpublished.json["items"]) == (None, [])
    assert_problem(client.get(PROGRAMME + "?version=draft"), 401)
    assert_problem(client.post(url(SLUG, "/programme/versions"), json={}), 401)

    first = publish(organizer_client, "First programme")
    assert first["number"] == 1 and first["note"] == "First programme"
    public = client.get(PROGRAMME).json
    assert public["version"] == 1
    assert [(i["id"], i["title"], i["starts_at"]) for i in public["items"]] == [
        (item["id"], "Plenary", "2025-10-27T09:00:00+01:00")]

    # Later edits stay a draft.
    organizer_client.patch(item_url(item["id"]), json={"title": "Plenary meeting"})
    add_item(organizer_client, "Closing", at(28, "17:00"), at(28, "18:00"))
    assert [i["title"] for i in client.get(PROGRAMME).json["items"]] == ["Plenary"]
    assert [i["title"] for i in draft(organizer_client)] == ["Plenary meeting", "Closing"]

    second = publish(organizer_client, "Closing added")
    assert second["number"] == 2
    public = client.get(PROGRAMME).json
    assert public["version"] == 2
    assert [i["title"] for i in public["items"]] == ["Plenary meeting", "Closing"]
    # Older versions stay readable; unknown ones are 404.
    old = client.get(PROGRAMME + "?version=1").json
    assert (old["version"], [i["title"] for i in old["items"]]) == (1, ["Plenary"])
    assert_problem(client.get(PROGRAMME + "?version=3"), 404)
    versions = client.get(url(SLUG, "/programme/versions")).json
    assert [(v["number"], v["note"]) for v in versions] == [
        (1, "First programme"), (2, "Closing added")]


def test_publishing_without_a_change_is_refused(organizer_client):
    open_edition(organizer_client)
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    publish(organizer_client)

    body = assert_problem(organizer_client.post(url(SLUG, "/programme/versions"),
                                                json={"note": "again"}), 409)
    assert "1" in body["detail"]
    assert len(organizer_client.get(url(SLUG, "/programme/versions")).json) == 1


def test_the_programme_of_a_draft_edition_is_hidden_from_the_public(organizer_client, client):
    open_edition(organizer_client, open_it=False)
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    publish(organizer_client)

    assert_problem(client.get(PROGRAMME), 404)
    assert organizer_client.get(PROGRAMME).json["version"] == 1


def test_changelog_lists_added_cancelled_and_moved_items(organizer_client, client,
                                                         viewer_client):
    open_edition(organizer_client)
    kept = add_item(organizer_client, "Kept", at(27, "08:00"), at(27, "08:30"), room="Hall A")
    to_cancel = add_item(organizer_client, "To cancel", at(27, "09:00"), at(27, "10:00"),
                         room="Hall A")
    to_delete = add_item(organizer_client, "To delete", at(27, "10:00"), at(27, "11:00"),
                         room="Hall A")
    retimed = add_item(organizer_client, "Retimed", at(27, "11:00"), at(27, "12:00"),
                       room="Hall A")
    rehoused = add_item(organizer_client, "Rehoused", at(27, "14:00"), at(27, "15:00"),
                        room="Hall A")
    retitled = add_item(organizer_client, "Retitled", at(27, "16:00"), at(27, "17:00"),
                        room="Hall A")
    publish(organizer_client)

    new = add_item(organizer_client, "New", at(28, "09:00"), at(28, "10:00"), room="Hall A")
    assert organizer_client.post(item_url(to_cancel["id"], path="/cancel"),
                                 json={}).status_code == 200
    assert organizer_client.delete(item_url(to_delete["id"])).status_code == 204
    assert organizer_client.patch(item_url(retimed["id"]), json={
        "starts_at": at(28, "11:00"), "ends_at": at(28, "12:00")}).status_code == 200
    assert organizer_client.patch(item_url(rehoused["id"]),
                                  json={"room": "Hall B"}).status_code == 200
    assert organizer_client.patch(item_url(retitled["id"]),
                                  json={"title": "Retitled session"}).status_code == 200
    publish(organizer_client)

    response = client.get(url(SLUG, "/programme/changes?from=1&to=2"))

    assert response.status_code == 200, response.json
    changes = response.json
    # Version numbers are integers (only the working copy is the string "draft").
    assert (changes["from_version"], changes["to_version"]) == (1, 2)
    assert [e["id"] for e in changes["added"]] == [new["id"]]
    assert changes["added"][0]["title"] == "New"
    assert sorted(e["id"] for e in changes["cancelled"]) == sorted(
        [to_cancel["id"], to_delete["id"]])
    moved = {e["id"]: e for e in changes["moved"]}
    assert set(moved) == {retimed["id"], rehoused["id"]}
    assert moved[retimed["id"]]["from"]["starts_at"] == "2025-10-27T11:00:00+01:00"
    assert moved[retimed["id"]]["to"]["starts_at"] == "2025-10-28T11:00:00+01:00"
    assert moved[retimed["id"]]["to"]["ends_at"] == "2025-10-28T12:00:00+01:00"
    assert (moved[rehoused["id"]]["from"]["room"], moved[rehoused["id"]]["to"]["room"]) == (
        "Hall A", "Hall B")
    assert [e["id"] for e in changes["changed"]] == [retitled["id"]]
    assert "title" in changes["changed"][0]["fields"]
    listed = {e["id"] for key in ("added", "cancelled", "moved", "changed")
              for e in changes[key]}
    assert kept["id"] not in listed

    # Against the working copy: organizers (and staff who read internal data) only.
    organizer_client.patch(item_url(kept["id"]), json={"room": "Hall C"})
    to_draft = organizer_client.get(url(SLUG, "/programme/changes?from=2&to=draft"))
    assert to_draft.status_code == 200, to_draft.json
    assert to_draft.json["to_version"] == "draft"
    assert [e["id"] for e in to_draft.json["moved"]] == [kept["id"]]
    assert to_draft.json["added"] == [] and to_draft.json["cancelled"] == []
    assert viewer_client.get(url(SLUG, "/programme/changes?from=2&to=draft")).status_code == 200
    assert client.get(url(SLUG, "/programme/changes?from=2&to=draft")).status_code in (401, 403)
    assert_problem(client.get(url(SLUG, "/programme/changes?from=1&to=9")), 404)
    assert_problem(client.get(url(SLUG, "/programme/changes?from=1&to=latest")), 422)


def test_filters_by_kind_and_local_day(organizer_client, client):
    open_edition(organizer_client)
    add_item(organizer_client, "Late reception", at(26, "23:30"), at(27, "00:15"),
                           kind="social")
    # 00:30 local on Monday is still Sunday in UTC.
    add_item(organizer_client, "Night session", at(27, "00:30"), at(27, "01:30"),
                            kind="breakout_session")
    add_item(organizer_client, "Breakout", at(27, "11:00"), at(27, "12:00"),
             kind="breakout_session")
    add_item(organizer_client, "Breakout Tuesday", at(28, "11:00"), at(28, "12:00"),
                       kind="breakout_session")
    add_item(organizer_client, "Undated breakout", kind="breakout_session")
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    publish(organizer_client)

    def titles(query: str, who=client) -> list[str]:
        response = who.get(PROGRAMME + query)
        assert response.status_code == 200, response.json
        return [i["title"] for i in response.json["items"]]

    assert titles("?kind=breakout_session") == [
        "Night session", "Breakout", "Breakout Tuesday", "Undated breakout"]
    assert titles("?day=2025-10-27") == ["Night session", "Plenary", "Breakout"]
    assert titles("?day=2025-10-26") == ["Late reception"]
    assert titles("?day=2025-10-27&kind=breakout_session") == ["Night session", "Breakout"]
    assert titles("?day=2025-10-30") == []
    # The working copy filters the same way for organizers; the public may not ask for it.
    assert titles("?version=draft&day=2025-10-28", organizer_client) == ["Breakout Tuesday"]
    assert_problem(client.get(PROGRAMME + "?version=draft&kind=plenary"), 401)
    assert_problem(client.get(PROGRAMME + "?kind=banquet"), 422)
    assert_problem(client.get(PROGRAMME + "?day=27-10-2025"), 422)


# Protocol order -------------------------------------------------------------------------

def test_protocol_order_host_first_then_authorities_by_country_then_organizations(
        organizer_client):
    host = organization(organizer_client, "National Police of Spain", country_code="ES")
    open_edition(organizer_client, host_organization_id=host["id"])
    orgs = {
        "hungary": organization(organizer_client, "National Directorate-General for Aliens "
                                "Policing", country_code="HU"),
        "angola": organization(organizer_client, "Migration and Foreigners Service",
                               country_code="AO"),
        "singapore": organization(organizer_client, "Immigration & Checkpoints Authority",
                                  country_code="SG"),
        "unhcr": organization(organizer_client, "Office of the UN High Commissioner for "
                              "Refugees", kind="international_organization"),
        "iom": organization(organizer_client, "International Organization for Migration",
                            kind="international_organization"),
        "city": organization(organizer_client, "City Council of Madrid",
                             kind="local_government", country_code="ES"),
    }
    speakers = [  # running order as first drafted
        person(organizer_client, "UNHCR speaker", orgs["unhcr"]["id"]),
        person(organizer_client, "Singapore speaker", orgs["singapore"]["id"]),
        person(organizer_client, "Mayor", orgs["city"]["id"]),
        person(organizer_client, "IOM speaker", orgs["iom"]["id"]),
        person(organizer_client, "Hungary speaker", orgs["hungary"]["id"]),
        person(organizer_client, "Host speaker", host["id"]),
        person(organizer_client, "Angola speaker", orgs["angola"]["id"]),
    ]
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "12:00"))
    for speaker in speakers:
        assert add_speech(organizer_client, item["id"], speaker["id"]).status_code == 201
    drafted = speaker_names(draft_item(organizer_client, item["id"]))
    expected = ["Host speaker", "Angola speaker", "Hungary speaker", "Singapore speaker",
                "IOM speaker", "UNHCR speaker", "Mayor"]

    suggestion = organizer_client.get(item_url(item["id"], path="/protocol-order"))

    assert suggestion.status_code == 200, suggestion.json
    assert [s["person"]["full_name"] for s in suggestion.json] == expected
    # A suggestion changes nothing.
    assert speaker_names(draft_item(organizer_client, item["id"])) == drafted

    applied = organizer_client.post(item_url(item["id"], path="/protocol-order"))
    assert applied.status_code == 200, applied.json
    assert [s["person"]["full_name"] for s in applied.json] == expected
    assert [s["position"] for s in applied.json] == list(range(1, 8))
    current = draft_item(organizer_client, item["id"])
    assert speaker_names(current) == expected
    assert positions(current) == list(range(1, 8))


def test_protocol_order_sorts_accented_country_names_alphabetically(organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "12:00"))
    for code, name in (("TV", "Tuvalu"), ("CU", "Cuba"), ("TR", "Türkiye"),
                       ("CI", "Côte d'Ivoire"), ("TM", "Turkmenistan"), ("CR", "Costa Rica")):
        org = organization(organizer_client, f"Immigration authority {code}", country_code=code)
        assert org["country_name"] == name
        speaker = person(organizer_client, f"{name} speaker", org["id"])
        assert add_speech(organizer_client, item["id"], speaker["id"]).status_code == 201

    suggestion = organizer_client.get(item_url(item["id"], path="/protocol-order")).json

    assert [s["person"]["organization"]["country_name"] for s in suggestion] == [
        "Costa Rica", "Côte d'Ivoire", "Cuba", "Türkiye", "Turkmenistan", "Tuvalu"]


# Exhibitors -----------------------------------------------------------------------------

def test_exhibitors_crud_and_public_list(organizer_client, client, secretariat_client):
    open_edition(organizer_client)
    devices = organization(organizer_client, "Border Devices S.A.", kind="enterprise",
                           country_code="ES")
    scanners = organization(organizer_client, "Passport Scanners Ltd", kind="enterprise",
                            country_code="SG")

    created = organizer_client.post(url(SLUG, "/exhibitors"), json={
        "organization_id": devices["id"], "stand": "B2", "description": "E-gates"})
    assert created.status_code == 201, created.json
    assert (created.json["organization"]["name"], created.json["stand"]) == (
        "Border Devices S.A.", "B2")
    second = organizer_client.post(url(SLUG, "/exhibitors"), json={
        "organization_id": scanners["id"], "stand": "A1"})
    assert second.status_code == 201
    assert_problem(organizer_client.post(url(SLUG, "/exhibitors"), json={
        "organization_id": devices["id"], "stand": "C3"}), 409)
    assert_problem(organizer_client.post(url(SLUG, "/exhibitors"), json={
        "organization_id": 999_999}), 422)
    assert_problem(secretariat_client.post(url(SLUG, "/exhibitors"), json={
        "organization_id": scanners["id"]}), 403)
    assert_problem(client.post(url(SLUG, "/exhibitors"), json={
        "organization_id": scanners["id"]}), 401)

    public = client.get(url(SLUG, "/exhibitors"))
    assert public.status_code == 200
    assert [(e["organization"]["name"], e["stand"]) for e in public.json] == [
        ("Passport Scanners Ltd", "A1"), ("Border Devices S.A.", "B2")]

    patched = organizer_client.patch(url(SLUG, f"/exhibitors/{created.json['id']}"),
                                     json={"stand": "A0", "description": "E-gates and kiosks"})
    assert patched.status_code == 200
    assert (patched.json["stand"], patched.json["description"]) == ("A0", "E-gates and kiosks")
    assert [e["stand"] for e in client.get(url(SLUG, "/exhibitors")).json] == ["A0", "A1"]

    assert organizer_client.delete(
        url(SLUG, f"/exhibitors/{second.json['id']}")).status_code == 204
    assert [e["organization"]["name"] for e in client.get(url(SLUG, "/exhibitors")).json] == [
        "Border Devices S.A."]
    assert_problem(organizer_client.delete(url(SLUG, f"/exhibitors/{second.json['id']}")), 404)


# Breakout sign-ups, attendance and agendas ----------------------------------------------

def test_sign_ups_hold_capacity_and_refuse_duplicates(organizer_client):
    open_edition(organizer_client)
    session = add_item(organizer_client, "Breakout", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", room="Room 1", capacity=2)
    first, second, third = (register(organizer_client, name)
                            for name in ("Ana García", "Bo Lin", "Chidi Okafor"))
    assert first["status"] == "confirmed"

    taken = sign_up(organizer_client, session["id"], first["id"])
    assert taken.status_code == 201, taken.json
    assert (taken.json["item_id"], taken.json["registration_id"]) == (session["id"], first["id"])
    assert taken.json["assigned_by_organizer"] is True
    assert_problem(sign_up(organizer_client, session["id"], first["id"]), 409)
    assert sign_up(organizer_client, session["id"], second["id"]).status_code == 201

    full = assert_problem(sign_up(organizer_client, session["id"], third["id"]), 409)
    assert full["capacity"] == 2

    # Leaving frees the place.
    assert organizer_client.delete(
        item_url(session["id"], path=f"/signups/{first['id']}")).status_code == 204
    assert sign_up(organizer_client, session["id"], third["id"]).status_code == 201
    assert_problem(organizer_client.delete(
        item_url(session["id"], path=f"/signups/{first['id']}")), 404)
    assert_problem(sign_up(organizer_client, session["id"], 999_999), 422)
    assert_problem(sign_up(organizer_client, 999_999, third["id"]), 404)


def test_a_pending_registrant_cannot_sign_up(organizer_client):
    open_edition(organizer_client, requires_approval=True)
    session = add_item(organizer_client, "Breakout", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", capacity=10)
    pending = register(organizer_client, "Ana García")
    assert pending["status"] == "pending"

    body = assert_problem(sign_up(organizer_client, session["id"], pending["id"]), 409)

    assert "pending" in body["detail"]
    confirmed = organizer_client.post(url(SLUG, f"/registrations/{pending['id']}/confirm"))
    assert confirmed.status_code == 200, confirmed.json
    assert sign_up(organizer_client, session["id"], pending["id"]).status_code == 201


def test_a_waitlisted_registrant_cannot_sign_up(organizer_client):
    open_edition(organizer_client, capacity=1)
    session = add_item(organizer_client, "Breakout", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", capacity=10)
    confirmed = register(organizer_client, "Ana García")
    waitlisted = register(organizer_client, "Bo Lin")
    assert (confirmed["status"], waitlisted["status"]) == ("confirmed", "waitlisted")

    body = assert_problem(sign_up(organizer_client, session["id"], waitlisted["id"]), 409)

    assert "waitlisted" in body["detail"]
    assert sign_up(organizer_client, session["id"], confirmed["id"]).status_code == 201


def test_a_registrant_cannot_sign_up_for_two_overlapping_sessions(organizer_client):
    open_edition(organizer_client)
    morning = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", room="Room 1", capacity=20)
    overlapping = add_item(organizer_client, "Technologies", at(27, "12:00"), at(27, "13:00"),
                           kind="breakout_session", room="Room 2", capacity=20)
    afternoon = add_item(organizer_client, "Exchanges", at(27, "12:30"), at(27, "14:00"),
                         kind="breakout_session", room="Room 3", capacity=20)
    registrant = register(organizer_client, "Ana García")
    assert sign_up(organizer_client, morning["id"], registrant["id"]).status_code == 201

    body = assert_problem(sign_up(organizer_client, overlapping["id"], registrant["id"]), 409)

    assert (body["clashes_with"]["id"], body["clashes_with"]["title"]) == (
        morning["id"], "Ports")
    assert body["person_id"] == registrant["person_id"]
    assert sign_up(organizer_client, afternoon["id"], registrant["id"]).status_code == 201
    # A registrant who speaks somewhere is busy there too.
    speaker = register(organizer_client, "Bo Lin")
    assert add_speech(organizer_client, morning["id"], speaker["person_id"]).status_code == 201
    clash = assert_problem(sign_up(organizer_client, overlapping["id"], speaker["id"]), 409)
    assert clash["clashes_with"]["id"] == morning["id"]


def test_moving_a_session_onto_a_participants_other_session_is_refused(organizer_client):
    open_edition(organizer_client)
    ports = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                     kind="breakout_session", room="Room 1", capacity=20)
    tech = add_item(organizer_client, "Technologies", at(27, "14:00"), at(27, "15:30"),
                    kind="breakout_session", room="Room 2", capacity=20)
    registrant = register(organizer_client, "Ana García")
    for session in (ports, tech):
        assert sign_up(organizer_client, session["id"], registrant["id"]).status_code == 201

    body = assert_problem(organizer_client.patch(item_url(tech["id"]), json={
        "starts_at": at(27, "12:00"), "ends_at": at(27, "13:00")}), 409)

    assert body["clashes_with"]["id"] == ports["id"]
    assert body["person_id"] == registrant["person_id"]
    assert draft_item(organizer_client, tech["id"])["starts_at"] == "2025-10-27T14:00:00+01:00"


def test_ids_from_another_edition_are_not_found(organizer_client):
    open_edition(organizer_client)
    open_edition(organizer_client, slug="other-2026", ordinal=2, with_series=False)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    speaker = person(organizer_client, "Ana García")
    speech = add_speech(organizer_client, item["id"], speaker["id"]).json
    registrant = register(organizer_client, "Bo Lin")
    other_session = add_item(organizer_client, "Other", at(27, "11:00"), at(27, "12:00"),
                             slug="other-2026", kind="breakout_session", capacity=5)

    assert_problem(organizer_client.patch(item_url(item["id"], "other-2026"),
                                          json={"title": "x"}), 404)
    assert_problem(organizer_client.delete(item_url(item["id"], "other-2026")), 404)
    assert_problem(organizer_client.patch(
        item_url(other_session["id"], path=f"/speeches/{speech['id']}"),
        json={"position": 1}), 404)
    # A registration of this edition cannot take a place in the other edition's session.
    assert_problem(sign_up(organizer_client, other_session["id"], registrant["id"],
                           slug="other-2026"), 422)
    assert draft_item(organizer_client, item["id"])["title"] == "Plenary"


def test_sign_up_for_a_cancelled_session_is_refused(organizer_client):
    open_edition(organizer_client)
    session = add_item(organizer_client, "Breakout", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", capacity=10)
    registrant = register(organizer_client, "Ana García")
    organizer_client.post(item_url(session["id"], path="/cancel"), json={})

    assert_problem(sign_up(organizer_client, session["id"], registrant["id"]), 409)


def test_attendance_per_session(organizer_client, client):
    open_edition(organizer_client)
    ports = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                     kind="breakout_session", room="Room 1", capacity=3)
    tech = add_item(organizer_client, "Technologies", at(27, "11:00"), at(27, "12:30"),
                    kind="breakout_session", room="Room 2", capacity=None)
    plenary = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    registrants = [register(organizer_client, f"Delegate {n}") for n in range(4)]
    for registrant in registrants[:2]:
        assert sign_up(organizer_client, ports["id"], registrant["id"]).status_code == 201
    for registrant in registrants[2:]:
        assert sign_up(organizer_client, tech["id"], registrant["id"]).status_code == 201

    response = organizer_client.get(url(SLUG, "/programme/attendance"))

    assert response.status_code == 200, response.json
    rows = {row["item_id"]: row for row in response.json}
    assert (rows[ports["id"]]["signed_up"], rows[ports["id"]]["capacity"]) == (2, 3)
    assert (rows[tech["id"]]["signed_up"], rows[tech["id"]]["capacity"]) == (2, None)
    assert rows[plenary["id"]]["signed_up"] == 0
    assert rows[ports["id"]]["kind"] == "breakout_session"
    assert_problem(client.get(url(SLUG, "/programme/attendance")), 401)


def test_a_persons_agenda_lists_speaking_slots_and_sessions_in_time_order(organizer_client,
                                                                         client):
    open_edition(organizer_client)
    registrant = register(organizer_client, "Ana García")
    someone_else = register(organizer_client, "Bo Lin")
    # Created out of time order on purpose.
    closing = add_item(organizer_client, "Closing", at(28, "17:00"), at(28, "18:00"),
                       room="Hall A")
    breakout = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                        kind="breakout_session", room="Room 1", capacity=10)
    welcome = add_item(organizer_client, "Welcome", at(24, "09:00"), at(24, "10:00"),
                       room="Hall A")
    dropped = add_item(organizer_client, "Dropped panel", at(27, "15:00"), at(27, "16:00"),
                       room="Hall B")
    other = add_item(organizer_client, "Not hers", at(27, "09:00"), at(27, "10:00"),
                     room="Hall B")
    for item in (closing, welcome, dropped):
        assert add_speech(organizer_client, item["id"], registrant["person_id"]).status_code == 201
    assert add_speech(organizer_client, other["id"], someone_else["person_id"]).status_code == 201
    assert sign_up(organizer_client, breakout["id"], registrant["id"]).status_code == 201
    assert sign_up(organizer_client, breakout["id"], someone_else["id"]).status_code == 201
    organizer_client.post(item_url(dropped["id"], path="/cancel"), json={})

    response = organizer_client.get(url(SLUG, f"/people/{registrant['person_id']}/agenda"))

    assert response.status_code == 200, response.json
    agenda = response.json
    assert agenda["person"]["full_name"] == "Ana García"
    assert agenda["time_zone"] == ZONE
    assert [(i["title"], i["starts_at"]) for i in agenda["items"]] == [
        ("Welcome", "2025-10-24T09:00:00+02:00"),
        ("Ports", "2025-10-27T11:00:00+01:00"),
        ("Closing", "2025-10-28T17:00:00+01:00"),
    ]
    assert_problem(client.get(url(SLUG, f"/people/{registrant['person_id']}/agenda")), 401)
    assert_problem(organizer_client.get(url(SLUG, "/people/999999/agenda")), 404)


# The 2024 record ------------------------------------------------------------------------

RECORD = "2024-suzhou"
PLENARY_2024 = [
    "João António da Costa Dias", "Sok Veasna", "Cortes Carrion Olgor Marcelo",
    "Sándor Gömbös", "Omid Nodhi", "Uuganbayar Nergui", "Denis Shkut",
    "Saleh bin Saad Al-Murabba", "Samolovac", "Marvin Sim", "Riley Genao Mesepitu",
    "Barroso", "Anna P. Makakala", "Sultan Bin Sumaida", "Raouf Mazou",
]
TOPICS_2024 = [
    "Regulating and Facilitating Personnel Exchanges",
    "Collaboratively Preventing Security Risks at Ports",
    "Optimizing Management of Cross-Border Movement of Citizens",
    "Application of Information Technologies in Migration Management",
]


def test_the_2024_programme_reads_back_publicly_as_recorded(client, seeded):
    response = client.get(url(RECORD, "/programme"))

    assert response.status_code == 200
    programme = response.json
    assert (programme["version"], programme["time_zone"]) == (1, "Asia/Shanghai")
    items = programme["items"]
    opening = items[0]
    assert opening["kind"] == "opening_ceremony"
    assert speaker_names(opening) == ["Xu Ganlu", "Wu Qingwen", "Amy Pope"]
    plenaries = [i for i in items if i["kind"] == "plenary"]
    assert len(plenaries) == 1
    assert speaker_names(plenaries[0]) == PLENARY_2024
    assert positions(plenaries[0]) == list(range(1, 16))
    breakouts = [i for i in items if i["kind"] == "breakout_session"]
    assert [i["title"] for i in breakouts] == TOPICS_2024
    assert all(i["speeches"] == [] and i["starts_at"] is None for i in breakouts)
    assert client.get(url(RECORD, "/programme?kind=breakout_session")).json["items"] == breakouts
    versions = client.get(url(RECORD, "/programme/versions")).json
    assert [v["number"] for v in versions] == [1]


def test_the_archived_2024_programme_is_read_only(organizer_client, seeded):
    items = organizer_client.get(url(RECORD, "/programme")).json["items"]
    opening = items[0]
    breakout = next(i for i in items if i["kind"] == "breakout_session")
    speech = opening["speeches"][0]
    amy = opening["speeches"][2]["person"]
    before = organizer_client.get(url(RECORD, "/programme?version=draft")).json["items"]

    writes = [
        organizer_client.post(items_url(RECORD), json={"kind": "social", "title": "Dinner"}),
        organizer_client.patch(item_url(opening["id"], RECORD), json={"title": "Changed"}),
        organizer_client.delete(item_url(breakout["id"], RECORD)),
        organizer_client.post(item_url(breakout["id"], RECORD, "/cancel"), json={}),
        add_speech(organizer_client, breakout["id"], amy["id"], slug=RECORD),
        organizer_client.patch(item_url(opening["id"], RECORD, f"/speeches/{speech['id']}"),
                               json={"position": 3}),
        organizer_client.delete(item_url(opening["id"], RECORD, f"/speeches/{speech['id']}")),
        organizer_client.post(item_url(opening["id"], RECORD, "/protocol-order")),
        organizer_client.post(url(RECORD, "/programme/versions"), json={"note": "v2"}),
        organizer_client.post(url(RECORD, "/exhibitors"),
                              json={"organization_id": amy["organization"]["id"]}),
    ]

    for response in writes:
        assert_problem(response, 409)
    assert organizer_client.get(url(RECORD, "/programme?version=draft")).json["items"] == before
    # Reading the suggestion is not a write.
    assert organizer_client.get(
        item_url(opening["id"], RECORD, "/protocol-order")).status_code == 200


# Who may do what ------------------------------------------------------------------------

def test_only_organizers_write_the_programme(organizer_client, secretariat_client,
                                             viewer_client, client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    speaker = person(organizer_client, "Ana García")
    speech = add_speech(organizer_client, item["id"], speaker["id"]).json
    registrant = register(organizer_client, "Bo Lin")
    before = draft(organizer_client)

    def writes(who):
        return [
            who.post(items_url(), json={"kind": "social", "title": "Dinner"}),
            who.patch(item_url(item["id"]), json={"title": "Changed"}),
            who.delete(item_url(item["id"])),
            who.post(item_url(item["id"], path="/cancel"), json={}),
            who.post(item_url(item["id"], path="/speeches"),
                     json={"person_id": speaker["id"], "role": "speech"}),
            who.patch(item_url(item["id"], path=f"/speeches/{speech['id']}"),
                      json={"position": 1}),
            who.delete(item_url(item["id"], path=f"/speeches/{speech['id']}")),
            who.post(item_url(item["id"], path="/protocol-order")),
            who.post(item_url(item["id"], path="/signups"),
                     json={"registration_id": registrant["id"]}),
            who.post(url(SLUG, "/programme/versions"), json={}),
            who.post(url(SLUG, "/exhibitors"), json={"organization_id": 1}),
        ]

    for who, status in ((secretariat_client, 403), (viewer_client, 403), (client, 401)):
        for response in writes(who):
            assert_problem(response, status)
    assert draft(organizer_client) == before
    # Staff who read internal data may read the working copy and the suggestion.
    assert draft(viewer_client) == before
    assert secretariat_client.get(
        item_url(item["id"], path="/protocol-order")).status_code == 200
    assert_problem(client.get(item_url(item["id"], path="/protocol-order")), 401)
