"""Requests released together against the live server, the server's word that they were
in flight at the same time, and control runs with a guard switched off.

`fire_together` opens one connection per request and sends each request's line and
headers first, so that the threaded server already has a thread waiting for each body,
then sends all the bodies at once from a barrier. The server records when each request
had arrived whole and when the application returned (tests/_live_server.py); a burst
whose requests never overlapped there proves nothing about concurrency, so
`fire_together` fails it unless two or more of its requests were in the application at
the same moment (tests that repeat a small burst check this over all their rounds,
`overlap_check`: a loaded machine may now and then start a round's requests one after
the other).

Every guarantee under concurrency is kept by a guard (eventhub.extensions.GUARDS: a row
lock on PostgreSQL, the write lock on SQLite); `guards_off` switches guards off for a
control run, which must then break the guarantee: the proof that the test's burst races
enough to catch a missing guard. On SQLite every guard takes the same database-wide lock,
so a control switches off every guard on the request's path.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from _live_server import BURST_HEADER, LiveServer
from flask import Flask

from eventhub.extensions import GUARDS

MAX_BUSY_RETRIES = 20


@dataclass
class Call:
    """One request: method, path (the server's base is added), JSON payload, bearer."""

    method: str
    path: str
    payload: Any = None
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    retries: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def busy(self) -> bool:
        """409 with Retry-After: the lock was busy for longer than the server waits."""
        return self.status == 409 and "Retry-After" in self.headers

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:160]!r}>"


@dataclass
class Burst:
    answers: list[Answer]
    spans: list[tuple[float, float]]

    @property
    def statuses(self) -> Counter:
        return Counter(answer.status for answer in self.answers)

    @property
    def peak(self) -> int:
        """The most requests the server had in the application at one moment."""
        events = sorted([(start, 1) for start, _ in self.spans]
                        + [(end, -1) for _, end in self.spans])
        peak = current = 0
        for _, step in events:
            current += step
            peak = max(peak, current)
        return peak

    def __iter__(self):
        return iter(self.answers)


def bearer(client) -> str:
    """The bearer token of a test client from conftest (client_for_role)."""
    return client.environ_base["HTTP_AUTHORIZATION"].split(" ", 1)[1]


class _Request:
    """One call on its own connection, sent in two steps: the request line and headers
    before the barrier, so that the server already has a thread waiting for the body, and
    the body after it, which is all that is left to send at the same moment."""

    def __init__(self, server: str, call: Call, burst: str) -> None:
        address = urlsplit(server)
        self.connection = http.client.HTTPConnection(address.hostname, address.port,
                                                     timeout=120)
        self.body = json.dumps(call.payload if call.payload is not None else {}).encode()
        self.connection.putrequest(call.method, call.path)
        headers = {BURST_HEADER: burst, "Content-Type": "application/json",
                   "Content-Length": str(len(self.body)), **call.headers}
        if call.token:
            headers["Authorization"] = f"Bearer {call.token}"
        for name, value in headers.items():
            self.connection.putheader(name, value)
        self.connection.endheaders()

    def finish(self) -> Answer:
        try:
            self.connection.send(self.body)
            response = self.connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            self.connection.close()


def fire_together(server: LiveServer, calls: list[Call], *, retry_busy: bool = False,
                  require_overlap: bool = True) -> Burst:
    """Send every call at the same moment, each on its own connection and thread; the
    answers come back in the order of the calls. With retry_busy, a busy answer (409
    with Retry-After) is retried as a client should, after the advertised delay (capped
    at half a second to keep tests short). With require_overlap (the default), the
    requests must have overlapped on the server (`overlap_check`)."""
    burst = uuid.uuid4().hex
    requests = [_Request(server, call, burst) for call in calls]
    barrier = threading.Barrier(len(calls))

    def run(request: _Request, call: Call) -> Answer:
        barrier.wait(timeout=60)
        answer = request.finish()
        retries = 0
        while retry_busy and answer.busy and retries < MAX_BUSY_RETRIES:
            time.sleep(min(float(answer.headers["Retry-After"]), 0.5))
            retries += 1
            answer = _Request(server, call, burst).finish()
        answer.retries = retries
        return answer

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, request, call)
                   for request, call in zip(requests, calls, strict=True)]
        answers = [future.result(timeout=300) for future in futures]
    result = Burst(answers, server.spans.take(burst))
    assert len(result.spans) == len(calls) + sum(a.retries for a in answers), (
        "the server did not record every request")
    if require_overlap and len(calls) > 1:
        overlap_check([result])
    return result


def overlap_check(bursts: list[Burst]) -> None:
    """At least three quarters of these bursts had two or more of their requests in the
    application at the same moment, on the server's clock."""
    peaks = [burst.peak for burst in bursts]
    raced = sum(1 for peak in peaks if peak >= 2)
    assert raced * 4 >= len(bursts) * 3, (
        f"only {raced} of {len(bursts)} bursts had requests in the server at the same "
        f"time (peaks {peaks}): the requests did not race")


@contextlib.contextmanager
def slow_commits(app: Flask, seconds: float = 0.05) -> Iterator[None]:
    """Every transaction of the app waits a moment before it commits, as on a loaded
    server: a race whose window is only the few statements between a check and the
    commit then shows up in every round without the guard, instead of now and then. A
    test and its control run use it alike, so that both send the same burst."""
    from eventhub.extensions import db

    def pause(connection: Any) -> None:
        time.sleep(seconds)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "commit", pause)
    try:
        yield
    finally:
        sa.event.remove(engine, "commit", pause)


@contextlib.contextmanager
def guards_off(app: Flask, *names: str) -> Iterator[None]:
    """Switch concurrency guards off for a control run (tests only)."""
    unknown = set(names) - GUARDS.keys()
    assert not unknown, f"no such guard: {unknown}"
    before = app.config.get("EVENTHUB_GUARDS_OFF", frozenset())
    app.config["EVENTHUB_GUARDS_OFF"] = frozenset(before) | set(names)
    try:
        yield
    finally:
        app.config["EVENTHUB_GUARDS_OFF"] = before
