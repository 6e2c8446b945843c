"""Simultaneous requests with one Idempotency-Key, through a real threaded server.

An impatient client sends the same registration twenty times at once with one key. Exactly
one registration is made. The others either replay its answer or, while it is still
running, get a 409 that says so: `code` "idempotency.in_progress" and Retry-After, never
the generic "conflicts with existing data". Which of the two a request gets depends on the
database, as the README says: on PostgreSQL a request whose key is held answers at once
(in progress); on SQLite writers queue, so each waits for the first and replays it.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from _attendance import REGISTRATIONS_URL, open_edition
from _live_server import serving

from eventhub import idempotency
from eventhub.extensions import db
from eventhub.idempotency import IN_PROGRESS_CODE, lock_key
from eventhub.registrations.models import IdempotentRequest, Registration

BURST = 20
KEY = "impatient-7e21"
# No e-mail: nothing but the key tells the requests apart from new registrations.
PAYLOAD = {"full_name": "Mr. Impatient", "role": "delegate"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict


def post(url: str, token: str, key: str = KEY) -> Answer:
    request = urllib.request.Request(url, data=json.dumps(PAYLOAD).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}",
                                              "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return Answer(response.status, dict(response.headers), json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), json.loads(error.read()))


def fire_together(call, count: int) -> list[Answer]:
    barrier = threading.Barrier(count)

    def run() -> Answer:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return [future.result(timeout=300)
                for future in [pool.submit(run) for _ in range(count)]]


def bearer(client) -> str:
    return client.environ_base["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def is_in_progress(answer: Answer) -> bool:
    return (answer.status == 409 and answer.body.get("code") == IN_PROGRESS_CODE
            and answer.headers.get("Retry-After", "").isdigit()
            and "in progress" in answer.body["detail"])


def registrations(app) -> list[str]:
    with app.app_context():
        return [r.person.full_name for r in db.session.scalars(sa.select(Registration))]


def test_simultaneous_requests_with_one_key_register_once_and_say_why_they_wait(
        app, organizer_client, is_postgres):
    open_edition(organizer_client)
    token = bearer(organizer_client)

    with serving(app) as base:
        url = f"{base}{REGISTRATIONS_URL}"
        answers = fire_together(lambda: post(url, token), BURST)
        later = post(url, token)

    originals = [a for a in answers if a.status == 201 and "Idempotent-Replayed" not in a.headers]
    replays = [a for a in answers if a.status == 201 and "Idempotent-Replayed" in a.headers]
    waiting = [a for a in answers if is_in_progress(a)]
    summary = [(a.status, a.body) for a in answers]
    assert len(originals) == 1, summary
    # Nothing else: in particular no generic "conflicts with existing data" 409.
    assert len(originals) + len(replays) + len(waiting) == BURST, summary
    assert all(replay.body == originals[0].body for replay in replays)
    if is_postgres:
        # A held key answers at once: the burst is concurrent enough to meet it.
        assert waiting, summary
    else:
        # SQLite queues writers: each request waits for the first and replays it.
        assert len(replays) == BURST - 1, summary
    assert registrations(app) == ["Mr. Impatient"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 1

    # Once the first has finished, a retry replays its answer.
    assert later.status == 201 and later.headers.get("Idempotent-Replayed") == "true"
    assert later.body == originals[0].body


def test_a_key_held_by_a_running_request_gets_the_in_progress_problem(
        app, organizer_client, is_postgres):
    """Deterministic: another transaction holds the key's claim (as a request still running
    would) on PostgreSQL; the request answers at once, and once the claim is gone the
    retry is the first answer."""
    if not is_postgres:
        pytest.skip("on SQLite a request with a held key waits for it instead (see above)")
    open_edition(organizer_client)
    token = bearer(organizer_client)
    with app.test_request_context(REGISTRATIONS_URL, method="POST",
                                  headers={"Authorization": f"Bearer {token}"}):
        claim = lock_key(idempotency._scope(), KEY)
    with serving(app) as base:
        url = f"{base}{REGISTRATIONS_URL}"
        with app.app_context(), db.engine.connect() as holder:
            holder.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": claim})
            held = post(url, token)
            holder.rollback()
        after = post(url, token)

    assert is_in_progress(held), (held.status, held.headers, held.body)
    assert held.headers["Retry-After"] == "1"
    assert held.headers["Content-Type"] == "application/problem+json"
    assert after.status == 201 and "Idempotent-Replayed" not in after.headers
    assert registrations(app) == ["Mr. Impatient"]
