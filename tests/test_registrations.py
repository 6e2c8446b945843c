"""Registrations by organizers: capacity and the waiting list, video attendance, one
registration per person, and Idempotency-Key retries, through the HTTP API."""

from __future__ import annotations

import json

from _attendance import (
    REGISTRATIONS_URL,
    open_edition,
    roster,
    statuses_by_name,
    table_rows,
)
from _helpers import assert_problem

from eventhub.auth.models import Role
from eventhub.registrations.models import IdempotentRequest, Registration


def register(client, name: str, *, url: str = REGISTRATIONS_URL, headers=None, **fields):
    body = {"full_name": name, "role": "delegate", **fields}
    return client.post(url, json=body, headers=headers or {})


def registered(client, name: str, **fields) -> dict:
    response = register(client, name, **fields)
    assert response.status_code == 201, response.json
    return response.json


def cancel(client, registration_id: int):
    response = client.post(f"{REGISTRATIONS_URL}/{registration_id}/cancel")
    assert response.status_code == 200, response.json
    return response.json


def counts(client) -> dict:
    response = client.get(REGISTRATIONS_URL.replace("/registrations", "/registration-counts"))
    assert response.status_code == 200, response.json
    return response.json


# Capacity and the waiting list -----------------------------------------------------------

def test_a_full_edition_waitlists_and_promotes_in_arrival_order(organizer_client):
    open_edition(organizer_client, capacity=2)

    first, second = registered(organizer_client, "First"), registered(organizer_client, "Second")
    third, fourth = registered(organizer_client, "Third"), registered(organizer_client, "Fourth")

    assert [r["status"] for r in (first, second, third, fourth)] == [
        "confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert third["badge_code"] is None and third["waitlisted_at"] is not None
    assert counts(organizer_client)["seats_taken"] == 2

    cancel(organizer_client, second["id"])
    assert statuses_by_name(organizer_client) == {
        "First": "confirmed", "Second": "cancelled", "Third": "confirmed",
        "Fourth": "waitlisted"}

    cancel(organizer_client, first["id"])
    assert statuses_by_name(organizer_client) == {
        "First": "cancelled", "Second": "cancelled", "Third": "confirmed",
        "Fourth": "confirmed"}
    assert counts(organizer_client)["seats_taken"] == 2
    assert all(r["badge_code"] for r in roster(organizer_client, status="confirmed"))


def test_cancelling_a_waitlisted_registration_promotes_no_one_else(organizer_client):
    open_edition(organizer_client, capacity=1)
    registered(organizer_client, "Seated")
    waiting = registered(organizer_client, "Waiting")
    registered(organizer_client, "Behind")

    cancel(organizer_client, waiting["id"])

    assert statuses_by_name(organizer_client) == {
        "Seated": "confirmed", "Waiting": "cancelled", "Behind": "waitlisted"}


def test_video_attendance_is_confirmed_even_with_no_seats(organizer_client):
    open_edition(organizer_client, capacity=0)

    online = [registered(organizer_client, f"Online {n}", attendance="video")
              for n in range(3)]

    assert {r["status"] for r in online} == {"confirmed"}
    assert {r["attendance"] for r in online} == {"video"}
    numbers = counts(organizer_client)
    assert numbers["seats_taken"] == 0
    assert numbers["confirmed_by_attendance"] == {"in_person": 0, "video": 3}


def test_video_attendance_does_not_take_a_seat(organizer_client):
    open_edition(organizer_client, capacity=1)
    registered(organizer_client, "Online A", attendance="video")
    registered(organizer_client, "Online B", attendance="video")

    seated = registered(organizer_client, "In the room")
    after = registered(organizer_client, "Too late")

    assert (seated["status"], after["status"]) == ("confirmed", "waitlisted")
    assert counts(organizer_client)["seats_taken"] == 1


def test_unlimited_edition_confirms_everyone(organizer_client):
    open_edition(organizer_client, capacity=None)

    people = [registered(organizer_client, f"Person {n}") for n in range(5)]

    assert {r["status"] for r in people} == {"confirmed"}
    assert len({r["badge_code"] for r in people}) == 5


def test_registration_needs_an_open_edition(app, organizer_client):
    open_edition(organizer_client, open_it=False)

    assert_problem(register(organizer_client, "Early Bird"), 409)
    assert table_rows(app, Registration) == []


# One registration per person ---------------------------------------------------------------

def test_the_same_person_cannot_register_twice(app, organizer_client):
    open_edition(organizer_client)
    first = registered(organizer_client, "Ms. Li Na", email="li.na@example.org")

    assert_problem(register(organizer_client, "Ms. Li Na",
                            email="LI.NA@example.org"), 409)
    assert_problem(register(organizer_client, "Li Na", person_id=first["person_id"]), 409)

    assert [r["id"] for r in roster(organizer_client)] == [first["id"]]
    assert len(table_rows(app, Registration)) == 1


def test_viewers_see_the_roster_without_private_details(organizer_client, viewer_client):
    open_edition(organizer_client)
    registered(organizer_client, "Ms. Private", email="private@example.org",
               dietary="halal", accessibility="wheelchair", needs_visa_letter=True)

    [seen] = roster(viewer_client)
    assert seen["full_name"] == "Ms. Private"
    for field in ("email", "dietary", "accessibility", "needs_visa_letter"):
        assert field not in seen
    assert "private@example.org" not in viewer_client.get(REGISTRATIONS_URL).get_data(
        as_text=True)
    assert_problem(register(viewer_client, "Mr. Sneaky"), 403)
    assert len(roster(organizer_client)) == 1


# Idempotency-Key ---------------------------------------------------------------------------

def test_a_retry_with_the_same_key_replays_the_first_response(app, organizer_client):
    open_edition(organizer_client)
    headers = {"Idempotency-Key": "reg-2b9f0c"}

    first = register(organizer_client, "Mr. Retry", headers=headers)
    retry = register(organizer_client, "Mr. Retry", headers=headers)

    assert first.status_code == retry.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.data == first.data
    assert len(table_rows(app, Registration)) == 1
    assert [r["full_name"] for r in roster(organizer_client)] == ["Mr. Retry"]
    assert len(table_rows(app, IdempotentRequest)) == 1


def test_the_same_key_with_another_body_is_refused(app, organizer_client):
    open_edition(organizer_client)
    headers = {"Idempotency-Key": "reg-2b9f0c"}
    first = register(organizer_client, "Mr. Retry", headers=headers)
    assert first.status_code == 201

    body = assert_problem(register(organizer_client, "Ms. Other", headers=headers), 422)

    assert "Idempotency-Key" in {e["field"] for e in body["errors"]}
    assert [r["full_name"] for r in roster(organizer_client)] == ["Mr. Retry"]


def test_a_failed_request_does_not_use_up_its_key(app, organizer_client):
    open_edition(organizer_client, open_it=False)
    headers = {"Idempotency-Key": "reg-after-open"}
    assert_problem(register(organizer_client, "Mr. Early", headers=headers), 409)

    organizer_client.post(REGISTRATIONS_URL.replace("/registrations", "/status"),
                          json={"status": "open"})
    response = register(organizer_client, "Mr. Early", headers=headers)

    assert response.status_code == 201, response.json
    assert "Idempotent-Replayed" not in response.headers


def test_keys_of_different_users_do_not_collide(app, organizer_client, admin_client):
    from conftest import client_for_role

    open_edition(organizer_client)
    other_organizer = client_for_role(app, Role.ORGANIZER)
    headers = {"Idempotency-Key": "same-key-everywhere"}

    answers = [register(caller, name, headers=headers) for caller, name in (
        (organizer_client, "Guest of organizer 1"), (other_organizer, "Guest of organizer 2"),
        (admin_client, "Guest of admin"))]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert not any("Idempotent-Replayed" in a.headers for a in answers)
    assert sorted(r["full_name"] for r in roster(organizer_client)) == [
        "Guest of admin", "Guest of organizer 1", "Guest of organizer 2"]

    # ...and each still replays its own.
    again = register(other_organizer, "Guest of organizer 2", headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == answers[1].json
    assert len(table_rows(app, Registration)) == 3


def test_the_same_key_on_another_edition_is_a_new_request(app, organizer_client):
    open_edition(organizer_client)
    open_edition(organizer_client, slug="sfmmc-2026", ordinal=2, series=False)
    headers = {"Idempotency-Key": "k-1"}

    here = register(organizer_client, "Traveller", headers=headers)
    there = register(organizer_client, "Traveller", headers=headers,
                     url="/api/v1/editions/sfmmc-2026/registrations")

    assert here.status_code == there.status_code == 201
    assert "Idempotent-Replayed" not in there.headers
    assert json.loads(here.data)["id"] != json.loads(there.data)["id"]
