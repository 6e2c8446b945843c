"""Registrations arriving all at once, on PostgreSQL, through a real threaded server.

The app is served by werkzeug on 127.0.0.1 (a free port) in a background thread; 60
requests wait at a barrier and are released together, each in its own thread, app context,
session and transaction. The capacity lock must let exactly the free seats through; with
the lock switched off (EVENTHUB_CAPACITY_GUARD = False) the same burst must overbook, which
proves the burst is concurrent enough to catch a missing lock.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from _attendance import open_edition

from eventhub.editions.models import Edition
from eventhub.extensions import db
from eventhub.registrations.models import IdempotentRequest, Registration, RegistrationStatus

pytestmark = pytest.mark.postgres_only

CAPACITY = 20
ALREADY_CONFIRMED = 15
BURST = 60
MAX_RETRIES = 20



@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    retries: int = 0


def bearer(client) -> str:
    return client.environ_base["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def post(url: str, payload: dict, token: str, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def post_retrying_busy(url: str, payload: dict, token: str,
                       headers: dict[str, str] | None = None) -> Answer:
    """POST; a 409 with Retry-After (the edition lock was busy) is retried as a client
    should, after the advertised delay (capped, to keep the test short)."""
    for attempt in range(MAX_RETRIES + 1):
        answer = post(url, payload, token, headers)
        if answer.status != 409 or "Retry-After" not in answer.headers:
            answer.retries = attempt
            return answer
        time.sleep(min(float(answer.headers["Retry-After"]), 0.5))
    answer.retries = MAX_RETRIES
    return answer


def fire_together(calls: list) -> list[Answer]:
    """Run the zero-argument callables at the same moment, one thread each."""
    barrier = threading.Barrier(len(calls))

    def run(call) -> Answer:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=300) for future in futures]


def edition_with_seats_taken(organizer_client, slug: str, ordinal: int, *,
                             first: bool) -> None:
    """An open edition with CAPACITY seats, ALREADY_CONFIRMED of them taken."""
    open_edition(organizer_client, slug=slug, ordinal=ordinal, capacity=CAPACITY,
                 series=first)
    for n in range(ALREADY_CONFIRMED):
        response = organizer_client.post(f"/api/v1/editions/{slug}/registrations", json={
            "full_name": f"Early {n}", "email": f"early{n}.{slug}@example.org",
            "role": "delegate"})
        assert response.status_code == 201, response.json
        assert response.json["status"] == "confirmed"


def burst(postgres_live_server: str, organizer_client, slug: str) -> list[Answer]:
    url = f"{postgres_live_server}/api/v1/editions/{slug}/registrations"
    token = bearer(organizer_client)
    return fire_together([
        (lambda n=n: post_retrying_busy(url, {
            "full_name": f"Latecomer {n}", "email": f"late{n}.{slug}@example.org",
            "role": "delegate"}, token))
        for n in range(BURST)])


def statuses(app, slug: str) -> Counter:
    with app.app_context():
        edition_id = db.session.scalar(sa.select(Edition.id).where(Edition.slug == slug))
        return Counter(status.value for status in db.session.scalars(
            sa.select(Registration.status).where(Registration.edition_id == edition_id)))


def test_a_burst_fills_exactly_the_free_seats(app, postgres_live_server, organizer_client):
    edition_with_seats_taken(organizer_client, "sfmmc-2025", 1, first=True)

    answers = burst(postgres_live_server, organizer_client, "sfmmc-2025")

    assert Counter(a.status for a in answers) == {201: BURST}, [
        (a.status, a.body[:200]) for a in answers if a.status != 201]
    by_status = Counter(json.loads(a.body)["status"] for a in answers)
    assert by_status == {"confirmed": CAPACITY - ALREADY_CONFIRMED,
                         "waitlisted": BURST - (CAPACITY - ALREADY_CONFIRMED)}
    assert statuses(app, "sfmmc-2025") == {"confirmed": CAPACITY,
                                           "waitlisted": BURST - (CAPACITY - ALREADY_CONFIRMED)}
    counts = organizer_client.get("/api/v1/editions/sfmmc-2025/registration-counts").json
    assert counts["seats_taken"] == CAPACITY


def test_without_the_capacity_lock_the_same_burst_overbooks(app, postgres_live_server,
                                                            organizer_client):
    """The control run: proves the burst above really races, so its pass means something."""
    guard = app.config["EVENTHUB_CAPACITY_GUARD"]
    app.config["EVENTHUB_CAPACITY_GUARD"] = False
    confirmed_per_run = []
    try:
        for attempt in range(3):
            slug = f"control-{attempt}"
            edition_with_seats_taken(organizer_client, slug, attempt + 1, first=attempt == 0)
            answers = burst(postgres_live_server, organizer_client, slug)
            assert all(a.status == 201 for a in answers), [
                (a.status, a.body[:200]) for a in answers if a.status != 201]
            confirmed_per_run.append(statuses(app, slug)["confirmed"])
            if confirmed_per_run[-1] > CAPACITY:
                break
    finally:
        app.config["EVENTHUB_CAPACITY_GUARD"] = guard

    assert confirmed_per_run[-1] > CAPACITY, (
        f"no overbooking without the lock in {len(confirmed_per_run)} bursts "
        f"(confirmed: {confirmed_per_run}); the burst is not concurrent enough to prove "
        "anything")


def test_concurrent_retries_with_one_idempotency_key_register_once(app, postgres_live_server,
                                                                   organizer_client):
    """A client retrying impatiently: 20 identical requests with one key at once. Exactly
    one registration; every other answer is the replay of it or a 409."""
    open_edition(organizer_client)
    url = f"{postgres_live_server}/api/v1/editions/sfmmc-2025/registrations"
    # No e-mail: nothing but the key can tell the requests apart from new registrations.
    payload = {"full_name": "Mr. Impatient", "role": "delegate"}
    headers = {"Idempotency-Key": "impatient-3c1d"}
    token = bearer(organizer_client)

    answers = fire_together([
        (lambda: post_retrying_busy(url, payload, token, headers)) for _ in range(20)])

    originals = [a for a in answers if a.status == 201
                 and "Idempotent-Replayed" not in a.headers]
    replays = [a for a in answers if a.status == 201 and "Idempotent-Replayed" in a.headers]
    refused = [a for a in answers if a.status == 409]
    assert len(originals) == 1, [(a.status, a.headers, a.body[:200]) for a in answers]
    assert len(originals) + len(replays) + len(refused) == 20, [
        (a.status, a.body[:200]) for a in answers]
    for replay in replays:
        assert json.loads(replay.body) == json.loads(originals[0].body)

    with app.app_context():
        registrations = db.session.scalars(sa.select(Registration)).all()
        assert [(r.person.full_name, r.status) for r in registrations] == [
            ("Mr. Impatient", RegistrationStatus.CONFIRMED)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            IdempotentRequest)) == 1

    # A later retry is a plain replay.
    late = post(url, payload, token, headers)
    assert late.status == 201 and late.headers.get("Idempotent-Replayed") == "true"
    assert json.loads(late.body) == json.loads(originals[0].body)


def test_simultaneous_registrations_of_one_new_address_register_once(app, postgres_live_server,
                                                                      organizer_client):
    """The person is found or created before the edition lock; the lock's seat query also
    looks for someone with the same e-mail whom a simultaneous request created and
    registered first. Exactly one registration, however the requests interleave."""
    open_edition(organizer_client)
    url = f"{postgres_live_server}/api/v1/editions/sfmmc-2025/registrations"
    token = bearer(organizer_client)
    answers = fire_together([
        (lambda n=n: post_retrying_busy(url, {
            "full_name": f"Ms. Twice {n}", "email": "Twice@Example.org", "role": "delegate"},
            token)) for n in range(12)])

    assert Counter(a.status for a in answers) == {201: 1, 409: 11}, [
        (a.status, a.body[:200]) for a in answers]
    with app.app_context():
        emails = db.session.scalars(sa.select(Registration)).all()
        assert [r.person.email for r in emails] == ["twice@example.org"]
