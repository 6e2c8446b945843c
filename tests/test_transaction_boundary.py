"""The request's one commit comes before every response hook, so a commit that fails is
answered like any other refusal: the same security headers as every response, and an
access log line with the status that was sent.

No route of the app leaves a write for the commit (services flush), so a failure at
commit time comes from a concurrent transaction or a constraint checked late. The tests
make one deterministically: a `before_commit` listener adds a row that breaks a unique
constraint, which the session flushes inside commit().
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from _helpers import assert_problem
from sqlalchemy import event
from sqlalchemy.orm import Session

from eventhub.editions.models import Series

# Every header the security hooks put on a response, whatever its status.
SECURITY_HEADERS = ("X-Request-ID", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Cross-Origin-Opener-Policy",
                    "Content-Security-Policy", "Cache-Control")


@pytest.fixture
def duplicate_at_commit() -> Iterator[list[str]]:
    """Every series created while this is active gets a twin with the same slug at commit
    time; returns the slugs twinned."""
    twinned: list[str] = []

    def note_new_series(session: Session, flush_context) -> None:
        session.info.setdefault("new_series", []).extend(
            obj.slug for obj in session.new if isinstance(obj, Series))

    def add_twin(session: Session) -> None:
        for slug in session.info.pop("new_series", []):
            twinned.append(slug)
            session.add(Series(slug=slug, name="A twin"))

    event.listen(Session, "after_flush", note_new_series)
    event.listen(Session, "before_commit", add_twin)
    try:
        yield twinned
    finally:
        event.remove(Session, "before_commit", add_twin)
        event.remove(Session, "after_flush", note_new_series)


def access_lines(caplog, request_id: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "eventhub.access"
            and getattr(record, "request_id", None) == request_id]


def test_a_failed_commit_answers_409_with_every_header_and_logs_409(
        admin_client, duplicate_at_commit, caplog):
    caplog.set_level(logging.INFO, logger="eventhub.access")
    normal = admin_client.get("/api/v1/series", headers={"X-Request-ID": "normal-1"})
    assert normal.status_code == 200

    response = admin_client.post("/api/v1/series", json={"slug": "twin", "name": "Twin"},
                                 headers={"X-Request-ID": "failing-commit-1"})

    assert duplicate_at_commit == ["twin"]
    assert_problem(response, 409)
    for header in SECURITY_HEADERS:
        assert header in normal.headers
        assert header in response.headers, f"the failed commit's 409 lacks {header}"
        if header != "X-Request-ID":
            assert response.headers[header] == normal.headers[header], header
    assert response.headers["X-Request-ID"] == "failing-commit-1"
    [line] = access_lines(caplog, "failing-commit-1")
    assert line.status == 409
    assert "409" in line.getMessage()
    # Nothing of the refused request stayed.
    assert admin_client.get("/api/v1/series").json == []


def test_a_successful_commit_logs_what_it_sent(admin_client, caplog):
    caplog.set_level(logging.INFO, logger="eventhub.access")
    response = admin_client.post("/api/v1/series", json={"slug": "single", "name": "One"},
                                 headers={"X-Request-ID": "committed-1"})
    assert response.status_code == 201
    [line] = access_lines(caplog, "committed-1")
    assert line.status == 201
    assert [s["slug"] for s in admin_client.get("/api/v1/series").json] == ["single"]
