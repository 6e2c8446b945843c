"""Programme writes under real concurrency, on SQLite and on PostgreSQL: the threaded server
of tests/_live_server.py, requests released together (tests/_concurrency.py). A session's
places, a person's clashes, room bookings, publishing and the running order must hold,
and the control runs prove the bursts race enough to catch a missing lock.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from _attendance import RSVP_URL, accepted_invitation, member
from _concurrency import Call, bearer, fire_together, guards_off, overlap_check
from _programme import (
    SLUG,
    add_item,
    at,
    draft_item,
    item_url,
    items_url,
    open_edition,
    organization,
    person,
    positions,
    register,
    url,
)

from eventhub.extensions import db
from eventhub.programme.models import SessionSignup

PLACES = 3
APPLICANTS = 10
SESSIONS = 4
ROUNDS = 10
CONTROL_ATTEMPTS = 10


def signups_of(app, item_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(SessionSignup.registration_id).where(
            SessionSignup.item_id == item_id)))


def registrants(organizer_client, count: int, prefix: str) -> list[dict]:
    people = [register(organizer_client, f"{prefix} {n:02d}") for n in range(count)]
    assert {r["status"] for r in people} == {"confirmed"}
    return people


def breakout(organizer_client, hour: int) -> dict:
    return add_item(organizer_client, f"Breakout at {hour}", at(27, f"{hour:02d}:00"),
                    at(27, f"{hour:02d}:45"), kind="breakout_session", room=f"Room {hour}",
                    capacity=PLACES)


def sign_ups_at_once(live_server, organizer_client, item_id: int, people: list[dict]):
    token = bearer(organizer_client)
    return fire_together(live_server, [
        Call("POST", item_url(item_id, path="/signups"), {"registration_id": r["id"]}, token)
        for r in people])


def test_concurrent_sign_ups_fill_a_breakout_exactly_to_its_places(app, live_server,
                                                                   organizer_client):
    open_edition(organizer_client)
    session = breakout(organizer_client, 9)
    people = registrants(organizer_client, APPLICANTS, "Delegate")

    burst = sign_ups_at_once(live_server, organizer_client, session["id"], people)

    assert burst.statuses == {201: PLACES, 409: APPLICANTS - PLACES}, burst.answers
    # Every refusal is the session being full, not a lock timeout or a constraint error.
    refusals = [a.json for a in burst if a.status == 409]
    assert all(body.get("capacity") == PLACES for body in refusals), refusals[:3]
    attendance = organizer_client.get(url(SLUG, "/programme/attendance")).json
    row = next(r for r in attendance if r["item_id"] == session["id"])
    assert (row["signed_up"], row["capacity"]) == (PLACES, PLACES)
    admitted = {a.json["registration_id"] for a in burst if a.status == 201}
    assert signups_of(app, session["id"]) == admitted


def test_without_the_item_lock_the_same_sign_ups_overfill_the_breakout(app, live_server,
                                                                       organizer_client):
    """The control run: the same burst, with the locks on its path switched off, must
    overfill the session at least once; otherwise the test above proves nothing."""
    open_edition(organizer_client)
    people = registrants(organizer_client, APPLICANTS, "Delegate")
    taken = []
    with guards_off(app, "places", "clashes"):
        for attempt in range(CONTROL_ATTEMPTS):
            session = breakout(organizer_client, 8 + attempt)
            burst = sign_ups_at_once(live_server, organizer_client, session["id"], people)
            taken.append(len(signups_of(app, session["id"])))
            assert taken[-1] == burst.statuses[201]
            if taken[-1] > PLACES:
                break
    assert taken[-1] > PLACES, f"never more than {PLACES} places taken: {taken}"


# One person, overlapping sessions -----------------------------------------------------

def overlapping_sessions(organizer_client) -> list[dict]:
    """SESSIONS breakouts in different rooms, each overlapping every other one."""
    return [add_item(organizer_client, f"Breakout {n}", at(27, f"10:{15 * n:02d}"),
                     at(27, f"11:{15 * n:02d}"), kind="breakout_session", room=f"Room {n}")
            for n in range(SESSIONS)]


def delegation_members(app, organizer_client, client, count: int) -> tuple[str, list[dict]]:
    """An accepted invitation and `count` confirmed members of its delegation."""
    org = organization(organizer_client, "Ministry of Interior", country_code="TH")
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=count,
                                   slug=SLUG)
    members = [member(f"Member {n:02d}", f"member{n}@moi.example",
                      "head_of_delegation" if n == 0 else "delegate") for n in range(count)]
    response = client.put(f"{RSVP_URL}/{token}/delegation", json={"members": members})
    assert response.status_code == 200, response.json
    assert {m["status"] for m in response.json["members"]} == {"confirmed"}
    return token, response.json["members"]


def clash_race(live_server, organizer_client, token: str, sessions: list[dict],
               registration_id: int):
    """The organizer puts the registrant in some of the sessions while their focal point
    chooses the others, all at the same moment: both sign-up paths take the person's
    lock. require_overlap=False: the tests check the overlap over all their rounds."""
    calls = []
    for n, session in enumerate(sessions):
        if n % 2:
            calls.append(Call("POST", f"{RSVP_URL}/{token}/sessions/{session['id']}",
                              {"registration_id": registration_id}))
        else:
            calls.append(Call("POST", item_url(session["id"], path="/signups"),
                              {"registration_id": registration_id}, bearer(organizer_client)))
    return fire_together(live_server, calls, require_overlap=False)


def booked(app, sessions: list[dict]) -> Counter:
    """How many of the sessions each registration is in."""
    return sum((Counter(signups_of(app, s["id"])) for s in sessions), Counter())


def test_one_person_is_never_booked_into_two_overlapping_sessions_at_once(
        app, live_server, organizer_client, client):
    """Finding: two sign-ups of one registration for overlapping sessions, sent together,
    were both accepted."""
    open_edition(organizer_client)
    sessions = overlapping_sessions(organizer_client)
    token, members = delegation_members(app, organizer_client, client, ROUNDS)

    bursts = []
    for registration in members:
        bursts.append(clash_race(live_server, organizer_client, token, sessions,
                                 registration["registration_id"]))

        assert bursts[-1].statuses == {201: 1, 409: SESSIONS - 1}, bursts[-1].answers
        ids = {s["id"] for s in sessions}
        assert all(a.json["clashes_with"]["id"] in ids for a in bursts[-1] if a.status == 409)
    overlap_check(bursts)
    assert booked(app, sessions) == dict.fromkeys(
        (m["registration_id"] for m in members), 1)


def test_without_the_persons_lock_the_same_race_double_books(app, live_server,
                                                             organizer_client, client):
    open_edition(organizer_client)
    sessions = overlapping_sessions(organizer_client)
    token, members = delegation_members(app, organizer_client, client, ROUNDS)
    accepted = []
    with guards_off(app, "places", "clashes"):
        for registration in members:
            burst = clash_race(live_server, organizer_client, token, sessions,
                               registration["registration_id"])
            accepted.append(burst.statuses[201])
            if accepted[-1] > 1:
                break
    assert accepted[-1] > 1, f"never booked twice in {len(accepted)} rounds: {accepted}"
    assert booked(app, sessions)[registration["registration_id"]] == accepted[-1]


# Rooms, versions, running order ----------------------------------------------------------

def test_concurrent_bookings_of_one_room_and_slot_let_exactly_one_through(live_server,
                                                                         organizer_client):
    open_edition(organizer_client)
    token = bearer(organizer_client)

    burst = fire_together(live_server, [Call("POST", items_url(), {
        "kind": "side_event", "title": f"Side event {n}", "room": "Hall A",
        "starts_at": at(27, "13:00"), "ends_at": at(27, "14:00")}, token) for n in range(6)])

    assert burst.statuses == {201: 1, 409: 5}, burst.answers
    winner = next(a.json for a in burst if a.status == 201)
    assert all(a.json["clashes_with"]["id"] == winner["id"] for a in burst if a.status == 409)
    titles = [i["title"] for i in organizer_client.get(
        url(SLUG, "/programme?version=draft")).json["items"]]
    assert titles == [winner["title"]]


def test_concurrent_publishing_makes_one_version(live_server, organizer_client):
    open_edition(organizer_client)
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    token = bearer(organizer_client)

    burst = fire_together(live_server, [
        Call("POST", url(SLUG, "/programme/versions"), {"note": f"attempt {n}"}, token)
        for n in range(6)])

    assert burst.statuses == {201: 1, 409: 5}, burst.answers
    versions = organizer_client.get(url(SLUG, "/programme/versions")).json
    assert [v["number"] for v in versions] == [1]


def test_concurrent_speaker_additions_keep_the_running_order_dense(live_server,
                                                                  organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "12:00"))
    people = [person(organizer_client, f"Speaker {n:02d}") for n in range(8)]
    token = bearer(organizer_client)

    burst = fire_together(live_server, [
        Call("POST", item_url(item["id"], path="/speeches"),
             {"person_id": p["id"], "role": "speech"}, token) for p in people])

    assert burst.statuses == {201: len(people)}, burst.answers
    current = draft_item(organizer_client, item["id"])
    assert positions(current) == list(range(1, len(people) + 1))
    assert sorted(s["person"]["id"] for s in current["speeches"]) == sorted(
        p["id"] for p in people)
