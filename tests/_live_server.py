"""The test app served over real HTTP on a free port, by a threaded werkzeug server, on
the same test database: for the browser tests and for truly concurrent requests."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from flask import Flask


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def live_server(app: Flask) -> Iterator[str]:
    with serving(app) as base:
        yield base


@pytest.fixture
def postgres_live_server(app: Flask, is_postgres: bool) -> Iterator[str]:
    """Concurrent requests prove locking only where rows really lock: PostgreSQL."""
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL (EVENTHUB_TEST_DATABASE_URL)")
    with serving(app) as base:
        yield base
