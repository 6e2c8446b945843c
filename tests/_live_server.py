"""The test app served over real HTTP on a free port, by a threaded werkzeug server (what
`eventhub serve`, and so `scripts/run`, runs), on the same test database: for the browser
tests and for truly concurrent requests (tests/_concurrency.py).

The server records, on its own clock, when each request tagged with an X-Test-Burst
header had arrived whole and when the application returned, so that a concurrency test
can check that its requests really were in the server at the same time."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

BURST_HEADER = "X-Test-Burst"


class RequestSpans:
    """WSGI middleware (tests only): (entered, left) per request of each burst."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._spans: dict[str, list[tuple[float, float]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        burst = environ.get("HTTP_" + BURST_HEADER.upper().replace("-", "_"))
        if burst is None:
            return self.app(environ, start_response)
        # The clients of a burst send their headers first and the bodies together: the
        # request starts when its body has arrived.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))
        entered = time.perf_counter()
        try:
            # Flask has run the view, committed and torn down when this returns.
            return self.app(environ, start_response)
        finally:
            left = time.perf_counter()
            with self._lock:
                self._spans.setdefault(burst, []).append((entered, left))

    def take(self, burst: str) -> list[tuple[float, float]]:
        with self._lock:
            return self._spans.pop(burst, [])


class LiveServer(str):
    """The base URL ("http://127.0.0.1:<port>"), carrying the server's request spans."""

    spans: RequestSpans


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    spans = RequestSpans(app)
    server = make_server("127.0.0.1", 0, spans, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    base = LiveServer(f"http://127.0.0.1:{server.server_port}")
    base.spans = spans
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The server for a test module, on whichever database the suite runs on."""
    with serving(app) as base:
        yield base
