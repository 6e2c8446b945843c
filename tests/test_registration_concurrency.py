"""Registrations arriving all at once, on SQLite and on PostgreSQL, through the threaded
server of tests/_live_server.py (tests/_concurrency.py releases the requests together and
checks on the server that they overlapped).

The edition's lock must let exactly the free seats through and a delegation never grow
beyond its quota; with the lock switched off (a control run) the same burst must break
the limit, which proves the burst is concurrent enough to catch a missing lock. A request
that cannot get the lock in time is told to retry (409 with Retry-After).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from _attendance import RSVP_URL, accepted_invitation, member, open_edition, organization
from _concurrency import Call, bearer, fire_together, guards_off, slow_commits

from eventhub.editions.models import Edition
from eventhub.extensions import db
from eventhub.registrations.models import (
    IdempotentRequest,
    Registration,
    RegistrationStatus,
)

CAPACITY = 10
ALREADY_CONFIRMED = 7
BURST = 15
CONTROL_ATTEMPTS = 10
# On SQLite the lists race only when one request reads before another commits; with two
# suites sharing two cores in CI, ten rounds twice went without an overlap. A round stops
# the control as soon as the quota breaks, so more rounds cost time only when it holds.
LIST_CONTROL_ATTEMPTS = 30
ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
          RegistrationStatus.WAITLISTED)


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


def burst(live_server, organizer_client, slug: str):
    token = bearer(organizer_client)
    return fire_together(live_server, [
        Call("POST", f"/api/v1/editions/{slug}/registrations", {
            "full_name": f"Latecomer {n}", "email": f"late{n}.{slug}@example.org",
            "role": "delegate"}, token) for n in range(BURST)], retry_busy=True)


def statuses(app, slug: str) -> dict[str, int]:
    with app.app_context():
        edition_id = db.session.scalar(sa.select(Edition.id).where(Edition.slug == slug))
        rows = db.session.execute(
            sa.select(Registration.status, sa.func.count()).where(
                Registration.edition_id == edition_id).group_by(Registration.status))
        return {status.value: count for status, count in rows}


def test_a_burst_fills_exactly_the_free_seats(app, live_server, organizer_client):
    edition_with_seats_taken(organizer_client, "sfmmc-2025", 1, first=True)

    answers = burst(live_server, organizer_client, "sfmmc-2025")

    assert answers.statuses == {201: BURST}, answers.answers
    free = CAPACITY - ALREADY_CONFIRMED
    assert sorted(a.json["status"] for a in answers) == (
        ["confirmed"] * free + ["waitlisted"] * (BURST - free))
    assert statuses(app, "sfmmc-2025") == {"confirmed": CAPACITY, "waitlisted": BURST - free}
    counts = organizer_client.get("/api/v1/editions/sfmmc-2025/registration-counts").json
    assert counts["seats_taken"] == CAPACITY


def test_without_the_capacity_lock_the_same_burst_overbooks(app, live_server,
                                                            organizer_client):
    """The control run: proves the burst above really races, so its pass means something."""
    confirmed = []
    with guards_off(app, "seats"):
        for attempt in range(CONTROL_ATTEMPTS):
            slug = f"control-{attempt}"
            edition_with_seats_taken(organizer_client, slug, attempt + 1, first=attempt == 0)
            answers = burst(live_server, organizer_client, slug)
            assert answers.statuses == {201: BURST}, answers.answers
            confirmed.append(statuses(app, slug)["confirmed"])
            if confirmed[-1] > CAPACITY:
                break
    assert confirmed[-1] > CAPACITY, (
        f"no overbooking without the lock in {len(confirmed)} bursts (confirmed: "
        f"{confirmed}); the burst is not concurrent enough to prove anything")


@contextlib.contextmanager
def lock_held_elsewhere(app, is_postgres: bool, slug: str) -> Iterator[None]:
    """Another process holds what a registration must lock: the edition's row on
    PostgreSQL, the database's write lock on SQLite. The app waits 0.3 s for it."""
    with app.app_context():
        url = db.engine.url
    if is_postgres:
        timeout = app.config["EVENTHUB_REGISTRATION_LOCK_TIMEOUT_MS"]
        app.config["EVENTHUB_REGISTRATION_LOCK_TIMEOUT_MS"] = 300
        other = sa.create_engine(url)
        try:
            with other.begin() as conn:
                conn.execute(sa.select(Edition.id).where(Edition.slug == slug)
                             .with_for_update())
                yield
        finally:
            other.dispose()
            app.config["EVENTHUB_REGISTRATION_LOCK_TIMEOUT_MS"] = timeout
        return
    with app.app_context():
        engine = db.engine

    def short_wait(dbapi_connection, record, proxy) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 300")

    sa.event.listen(engine, "checkout", short_wait)
    other = sqlite3.connect(url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.rollback()
        other.close()
        sa.event.remove(engine, "checkout", short_wait)
        engine.dispose()  # pooled connections get the normal 30 s again


def test_a_registration_that_cannot_get_the_lock_in_time_is_told_to_retry(
        app, organizer_client, is_postgres):
    open_edition(organizer_client, capacity=CAPACITY)
    payload = {"full_name": "Ms. Patient", "email": "patient@example.org", "role": "delegate"}

    with lock_held_elsewhere(app, is_postgres, "sfmmc-2025"):
        started = time.monotonic()
        refused = organizer_client.post("/api/v1/editions/sfmmc-2025/registrations",
                                        json=payload)
        waited = time.monotonic() - started
        # Reading does not wait for the writer (SQLite in WAL mode, PostgreSQL anyway).
        assert organizer_client.get("/api/v1/editions/sfmmc-2025").status_code == 200

    assert refused.status_code == 409, refused.json
    assert int(refused.headers["Retry-After"]) >= 1
    assert "retry" in refused.json["detail"]
    assert 0.25 < waited < 10
    assert statuses(app, "sfmmc-2025") == {}
    retried = organizer_client.post("/api/v1/editions/sfmmc-2025/registrations", json=payload)
    assert retried.status_code == 201, retried.json


def test_concurrent_retries_with_one_idempotency_key_register_once(app, live_server,
                                                                   organizer_client):
    """A client retrying impatiently: 10 identical requests with one key at once. Exactly
    one registration; every other answer is the replay of it or a 409."""
    open_edition(organizer_client)
    url = "/api/v1/editions/sfmmc-2025/registrations"
    # No e-mail: nothing but the key can tell the requests apart from new registrations.
    call = Call("POST", url, {"full_name": "Mr. Impatient", "role": "delegate"},
                bearer(organizer_client), {"Idempotency-Key": "impatient-3c1d"})

    answers = fire_together(live_server, [call] * 10, retry_busy=True)

    originals = [a for a in answers if a.status == 201
                 and "Idempotent-Replayed" not in a.headers]
    replays = [a for a in answers if a.status == 201 and "Idempotent-Replayed" in a.headers]
    refused = [a for a in answers if a.status == 409]
    assert len(originals) == 1, answers.answers
    assert len(originals) + len(replays) + len(refused) == 10, answers.answers
    for replay in replays:
        assert replay.json == originals[0].json

    with app.app_context():
        registrations = db.session.scalars(sa.select(Registration)).all()
        assert [(r.person.full_name, r.status) for r in registrations] == [
            ("Mr. Impatient", RegistrationStatus.CONFIRMED)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            IdempotentRequest)) == 1

    # A later retry is a plain replay.
    late = organizer_client.post(url, json=call.payload, headers=call.headers)
    assert late.status_code == 201 and late.headers.get("Idempotent-Replayed") == "true"
    assert late.json == originals[0].json


def one_address_at_once(app, live_server, organizer_client, slug: str = "sfmmc-2025"):
    with slow_commits(app):
        return fire_together(live_server, [
            Call("POST", f"/api/v1/editions/{slug}/registrations", {
                "full_name": f"Ms. Twice {n}", "email": "Twice@Example.org",
                "role": "delegate"}, bearer(organizer_client)) for n in range(8)],
            retry_busy=True)


def test_simultaneous_registrations_of_one_new_address_register_once(app, live_server,
                                                                      organizer_client):
    """The person is found or created before the edition lock; the lock's seat query also
    looks for someone with the same e-mail whom a simultaneous request created and
    registered first. Exactly one registration, however the requests interleave."""
    open_edition(organizer_client)

    answers = one_address_at_once(app, live_server, organizer_client)

    assert answers.statuses == {201: 1, 409: 7}, answers.answers
    with app.app_context():
        emails = db.session.scalars(sa.select(Registration)).all()
        assert [r.person.email for r in emails] == ["twice@example.org"]


def test_without_the_edition_lock_one_address_registers_several_times(app, live_server,
                                                                      organizer_client):
    registered = []
    with guards_off(app, "seats"):
        for attempt in range(CONTROL_ATTEMPTS):
            slug = f"twice-{attempt}"
            open_edition(organizer_client, slug=slug, ordinal=attempt + 1,
                         series=attempt == 0)
            registered.append(one_address_at_once(app, live_server, organizer_client,
                                                  slug).statuses[201])
            if registered[-1] > 1:
                break
    assert registered[-1] > 1, f"one registration each time without the lock: {registered}"


# A delegation's quota ----------------------------------------------------------------------

QUOTA = 2
LISTS = 4


@pytest.fixture
def delegation(app, organizer_client, client) -> str:
    """An accepted invitation with quota 2 whose delegation has one member; its token."""
    open_edition(organizer_client)
    org = organization(organizer_client, "Ministry of Foreign Affairs", "TH")
    _, token = accepted_invitation(app, organizer_client, client, org["id"], quota=QUOTA)
    first = client.put(f"{RSVP_URL}/{token}/delegation", json={"members": [
        member("Ms. First", "first@mfa.example", "head_of_delegation")]})
    assert first.status_code == 200, first.json
    return token


def lists_at_once(app, live_server, token: str, domain: str = "mfa.example"):
    """LISTS focal-point sessions (a shared link) each send another full list at once."""
    with slow_commits(app):
        return fire_together(live_server, [
            Call("PUT", f"{RSVP_URL}/{token}/delegation", {"members": [
                member(f"Head {n}", f"head{n}@{domain}", "head_of_delegation"),
                member(f"Deputy {n}", f"deputy{n}@{domain}", "delegate")]})
            for n in range(LISTS)], retry_busy=True)


def members_of(client, token: str) -> list[str]:
    """The delegation's active members, as its focal point sees them."""
    return [m["full_name"] for m in client.get(f"{RSVP_URL}/{token}").json["members"]]


def test_lists_sent_at_once_never_take_the_delegation_beyond_its_quota(
        app, live_server, client, delegation):
    answers = lists_at_once(app, live_server, delegation)

    assert answers.statuses == {200: LISTS}, answers.answers
    # The last one applied wins, whole.
    assert members_of(client, delegation) in [[f"Head {n}", f"Deputy {n}"]
                                              for n in range(LISTS)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
            Registration.status.in_(ACTIVE))) == QUOTA


def test_without_the_locks_lists_sent_at_once_exceed_the_quota(app, live_server,
                                                               organizer_client, client):
    active = []
    with guards_off(app, "seats", "quota"):
        for attempt in range(LIST_CONTROL_ATTEMPTS):
            org = organization(organizer_client, f"Ministry {attempt}", "TH")
            if attempt == 0:
                open_edition(organizer_client)
            _, token = accepted_invitation(app, organizer_client, client, org["id"],
                                           quota=QUOTA)
            assert client.put(f"{RSVP_URL}/{token}/delegation", json={"members": [
                member("Ms. First", f"first{attempt}@mfa.example", "head_of_delegation")]}
                ).status_code == 200
            lists_at_once(app, live_server, token, f"mfa{attempt}.example")
            active.append(len(members_of(client, token)))
            if active[-1] > QUOTA:
                break
    assert active[-1] > QUOTA, f"the quota held without the locks: {active}"
