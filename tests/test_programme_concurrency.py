"""Programme writes under real concurrency on PostgreSQL: a threaded werkzeug server on
127.0.0.1, requests released together by a barrier, each in its own thread, session and
transaction. Session capacity, room bookings, publishing and the running order must hold.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from _programme import (
    SLUG,
    add_item,
    at,
    draft_item,
    item_url,
    items_url,
    open_edition,
    person,
    positions,
    register,
    token_of,
    url,
)

from eventhub.extensions import db
from eventhub.programme.models import SessionSignup

pytestmark = pytest.mark.postgres_only

CAPACITY = 5
REGISTRANTS = 30


def fire_together(requests: list[tuple[str, str, dict[str, Any]]], token: str
                  ) -> list[tuple[int, dict[str, Any]]]:
    """Send every (method, url, payload) at the same moment; return (status, body) each."""
    barrier = threading.Barrier(len(requests))

    def send(method: str, address: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(address, data=json.dumps(payload).encode(),
                                         method=method, headers={
                                             "Content-Type": "application/json",
                                             "Authorization": f"Bearer {token}"})
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(send, *request) for request in requests]
        return [future.result() for future in futures]


def test_concurrent_sign_ups_fill_a_session_exactly_to_capacity(app, postgres_live_server,
                                                                organizer_client):
    open_edition(organizer_client)
    session = add_item(organizer_client, "Ports", at(27, "11:00"), at(27, "12:30"),
                       kind="breakout_session", room="Room 1", capacity=CAPACITY)
    registrants = [register(organizer_client, f"Delegate {n:02d}") for n in range(REGISTRANTS)]
    assert {r["status"] for r in registrants} == {"confirmed"}
    address = postgres_live_server + item_url(session["id"], path="/signups")

    results = fire_together([("POST", address, {"registration_id": r["id"]})
                             for r in registrants], token_of(organizer_client))

    assert Counter(status for status, _ in results) == {201: CAPACITY,
                                                       409: REGISTRANTS - CAPACITY}
    # Every refusal is the session being full, not a lock timeout or a constraint error.
    refusals = [body for status, body in results if status == 409]
    assert all(body.get("capacity") == CAPACITY for body in refusals), refusals[:3]
    attendance = organizer_client.get(url(SLUG, "/programme/attendance")).json
    row = next(r for r in attendance if r["item_id"] == session["id"])
    assert (row["signed_up"], row["capacity"]) == (CAPACITY, CAPACITY)
    admitted = {body["registration_id"] for status, body in results if status == 201}
    with app.app_context():
        stored = set(db.session.scalars(sa.select(SessionSignup.registration_id).where(
            SessionSignup.item_id == session["id"])))
    assert stored == admitted and len(stored) == CAPACITY


def test_concurrent_bookings_of_one_room_and_slot_let_exactly_one_through(postgres_live_server,
                                                                         organizer_client):
    open_edition(organizer_client)
    requests = [("POST", postgres_live_server + items_url(), {
        "kind": "side_event", "title": f"Side event {n}", "room": "Hall A",
        "starts_at": at(27, "13:00"), "ends_at": at(27, "14:00")}) for n in range(10)]

    results = fire_together(requests, token_of(organizer_client))

    assert Counter(status for status, _ in results) == {201: 1, 409: 9}
    winner = next(body for status, body in results if status == 201)
    assert all(body["clashes_with"]["id"] == winner["id"]
               for status, body in results if status == 409)
    titles = [i["title"] for i in organizer_client.get(
        url(SLUG, "/programme?version=draft")).json["items"]]
    assert titles == [winner["title"]]


def test_concurrent_publishing_makes_one_version(postgres_live_server, organizer_client):
    open_edition(organizer_client)
    add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "10:00"))
    address = postgres_live_server + url(SLUG, "/programme/versions")

    results = fire_together([("POST", address, {"note": f"attempt {n}"}) for n in range(10)],
                            token_of(organizer_client))

    assert Counter(status for status, _ in results) == {201: 1, 409: 9}
    versions = organizer_client.get(url(SLUG, "/programme/versions")).json
    assert [v["number"] for v in versions] == [1]


def test_concurrent_speaker_additions_keep_the_running_order_dense(postgres_live_server,
                                                                  organizer_client):
    open_edition(organizer_client)
    item = add_item(organizer_client, "Plenary", at(27, "09:00"), at(27, "12:00"))
    people = [person(organizer_client, f"Speaker {n:02d}") for n in range(12)]
    address = postgres_live_server + item_url(item["id"], path="/speeches")

    results = fire_together([("POST", address, {"person_id": p["id"], "role": "speech"})
                             for p in people], token_of(organizer_client))

    assert Counter(status for status, _ in results) == {201: len(people)}
    current = draft_item(organizer_client, item["id"])
    assert positions(current) == list(range(1, len(people) + 1))
    assert sorted(s["person"]["id"] for s in current["speeches"]) == sorted(
        p["id"] for p in people)
