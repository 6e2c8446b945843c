"""Real concurrent HTTP requests against a threaded server on PostgreSQL.

The app is served by werkzeug on 127.0.0.1 (a free port) in a background thread; requests
are fired at the same moment from a thread pool with urllib, so each runs in its own
thread, app context, session and database transaction.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from _helpers import create_edition, create_series

from eventhub.directory.models import Organization
from eventhub.extensions import db

pytestmark = pytest.mark.postgres_only

CONCURRENT_REQUESTS = 10


def organizer_token(organizer_client) -> str:
    return organizer_client.environ_base["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def fire_together(url: str, method: str, payload: dict, token: str) -> list[int]:
    """Send the same request CONCURRENT_REQUESTS times at once; return the status codes."""
    barrier = threading.Barrier(CONCURRENT_REQUESTS)
    body = json.dumps(payload).encode()

    def send() -> int:
        request = urllib.request.Request(url, data=body, method=method, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.read()
            return error.code

    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        futures = [pool.submit(send) for _ in range(CONCURRENT_REQUESTS)]
        return [future.result() for future in futures]


def test_concurrent_status_changes_let_exactly_one_through(postgres_live_server, organizer_client):
    create_series(organizer_client)
    create_edition(organizer_client)

    codes = fire_together(f"{postgres_live_server}/api/v1/editions/sfmmc-2024/status", "POST",
                          {"status": "open"}, organizer_token(organizer_client))

    assert Counter(codes) == {200: 1, 409: CONCURRENT_REQUESTS - 1}
    assert organizer_client.get("/api/v1/editions/sfmmc-2024").json["status"] == "open"


def test_concurrent_duplicate_organizations_create_exactly_one(app, postgres_live_server,
                                                               organizer_client):
    codes = fire_together(f"{postgres_live_server}/api/v1/organizations", "POST",
                          {"name": "Ministry of Public Security", "kind": "national_authority",
                           "country_code": "CN"}, organizer_token(organizer_client))

    assert Counter(codes) == {201: 1, 409: CONCURRENT_REQUESTS - 1}
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Organization).where(
            Organization.name == "Ministry of Public Security"))
    assert rows == 1
    assert len(organizer_client.get("/api/v1/organizations").json) == 1
