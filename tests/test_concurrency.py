"""Real concurrent HTTP requests against the threaded server of tests/_live_server.py, on
SQLite and on PostgreSQL: requests released together (tests/_concurrency.py), each in
its own thread, app context, session and database transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from _concurrency import Call, bearer, fire_together, slow_commits
from _helpers import create_edition, create_series

from eventhub.directory.models import Organization
from eventhub.extensions import db

CONCURRENT_REQUESTS = 6


def test_concurrent_status_changes_let_exactly_one_through(live_server, organizer_client):
    create_series(organizer_client)
    create_edition(organizer_client)

    burst = fire_together(live_server, [
        Call("POST", "/api/v1/editions/sfmmc-2024/status", {"status": "open"},
             bearer(organizer_client))] * CONCURRENT_REQUESTS)

    assert burst.statuses == {200: 1, 409: CONCURRENT_REQUESTS - 1}, burst.answers
    assert organizer_client.get("/api/v1/editions/sfmmc-2024").json["status"] == "open"


def test_concurrent_duplicate_organizations_create_exactly_one(app, live_server,
                                                               organizer_client):
    # Commits wait a moment, as on a loaded server: a request answered before the others
    # reach the application does not race (CI once saw a burst that never overlapped).
    with slow_commits(app):
        burst = fire_together(live_server, [
            Call("POST", "/api/v1/organizations", {
                "name": "Ministry of Public Security", "kind": "national_authority",
                "country_code": "CN"}, bearer(organizer_client))] * CONCURRENT_REQUESTS)

    assert burst.statuses == {201: 1, 409: CONCURRENT_REQUESTS - 1}, burst.answers
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Organization).where(
            Organization.name == "Ministry of Public Security"))
    assert rows == 1
    assert len(organizer_client.get("/api/v1/organizations").json) == 1
