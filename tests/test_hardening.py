"""Request hardening: secure headers, request ids, CORS, shared rate limits, logs without
secrets, and the request size limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from _helpers import assert_problem, create_organization
from conftest import PASSWORD, make_user

from eventhub import create_app
from eventhub.auth.models import Role
from eventhub.extensions import db
from eventhub.security import JsonFormatter, RedactingFilter


@contextmanager
def config(app, key: str, value) -> Iterator[None]:
    old = app.config[key]
    app.config[key] = value
    try:
        yield
    finally:
        app.config[key] = old


# Secure headers and request ids ------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/editions", "/api/v1/auth/me", "/healthz",
                                  "/api/openapi.json", "/api/v1/nowhere"])
def test_secure_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_authenticated_responses_are_not_cached(admin_client):
    assert admin_client.get("/api/v1/auth/me").headers["Cache-Control"] == "no-store"


def test_a_valid_request_id_is_echoed(client):
    response = client.get("/api/v1/editions", headers={"X-Request-ID": "abc-123.X_y"})
    assert response.headers["X-Request-ID"] == "abc-123.X_y"


@pytest.mark.parametrize("supplied", [None, "", "has spaces", "x" * 65, "new\\nline",
                                      "<script>", "ä"])
def test_a_missing_or_malformed_request_id_is_replaced(client, supplied):
    headers = {} if supplied is None else {"X-Request-ID": supplied}
    response = client.get("/api/v1/editions", headers=headers)
    generated = response.headers["X-Request-ID"]
    assert generated and generated != supplied
    assert len(generated) == 32 and generated.isalnum()


def test_each_request_gets_its_own_generated_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/api/v1/audit", headers={"X-Request-ID": "err-1"})
    assert_problem(response, 401)
    assert response.headers["X-Request-ID"] == "err-1"


# CORS -----------------------------------------------------------------------------------

def test_cors_is_closed_for_an_unconfigured_origin(client):
    response = client.get("/api/v1/editions", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options("/api/v1/editions", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers


@pytest.fixture
def cors_app(database_url):
    other = create_app({"DATABASE_URL": database_url, "CORS_ORIGINS": "https://ok.example",
                        "RATE_LIMIT_LOGIN": "100000/60",
                        "RATE_LIMIT_TOKEN_LINK": "100000/60"})
    other.config["TESTING"] = True
    yield other
    with other.app_context():
        db.engine.dispose()


def test_cors_is_open_for_a_configured_origin(cors_app):
    client = cors_app.test_client()
    response = client.get("/api/v1/editions", headers={"Origin": "https://ok.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    assert "Origin" in response.headers["Vary"]
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/editions", headers={
        "Origin": "https://ok.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    other = client.get("/api/v1/editions", headers={"Origin": "https://ok.example.evil"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_origins_are_read_at_start_up(app, client):
    # Documented behaviour: changing the setting at runtime does not open CORS.
    with config(app, "EVENTHUB_CORS_ORIGINS", "https://late.example"):
        response = client.get("/api/v1/editions", headers={"Origin": "https://late.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


# Rate limits ----------------------------------------------------------------------------

def test_failed_logins_are_limited_even_though_they_roll_back(app, client):
    email = make_user(app, Role.VIEWER)
    with config(app, "EVENTHUB_RATE_LIMIT_LOGIN", "3/60"):
        for _ in range(3):
            response = client.post("/api/v1/auth/token",
                                   json={"email": email, "password": "wrong password"})
            assert_problem(response, 401)
        response = client.post("/api/v1/auth/token",
                               json={"email": email, "password": "wrong password"})
        body = assert_problem(response, 429)
        assert int(response.headers["Retry-After"]) >= 1
        assert body["status"] == 429
        # The right password is refused too while the window lasts.
        assert_problem(client.post("/api/v1/auth/token",
                                   json={"email": email, "password": PASSWORD}), 429)
        # Another client address has its own bucket.
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "10.9.8.7"
        assert other.post("/api/v1/auth/token",
                          json={"email": email, "password": PASSWORD}).status_code == 201


def test_a_window_opens_at_the_first_attempt_and_closes_after_its_length(app, client):
    email = make_user(app, Role.VIEWER)
    with config(app, "EVENTHUB_RATE_LIMIT_LOGIN", "2/2"):
        for _ in range(2):
            assert_problem(client.post("/api/v1/auth/token",
                                       json={"email": email, "password": "nope"}), 401)
        refused = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["Retry-After"]) <= 2
        time.sleep(2.1)
        # A new window: the right password works again, and the count starts afresh.
        assert client.post("/api/v1/auth/token",
                           json={"email": email, "password": PASSWORD}).status_code == 201


def test_the_login_counter_is_shared_through_the_database(app, database_url, client):
    """A second app (another worker process) sees the hits the first one counted."""
    email = make_user(app, Role.VIEWER)
    with config(app, "EVENTHUB_RATE_LIMIT_LOGIN", "2/60"):
        for _ in range(2):
            client.post("/api/v1/auth/token", json={"email": email, "password": "nope"})
        worker = create_app({"DATABASE_URL": database_url, "RATE_LIMIT_LOGIN": "2/60"})
        worker.config["TESTING"] = True
        try:
            response = worker.test_client().post(
                "/api/v1/auth/token", json={"email": email, "password": PASSWORD})
            assert_problem(response, 429)
        finally:
            with worker.app_context():
                db.engine.dispose()


def test_invitation_links_are_rate_limited(app, client):
    with config(app, "EVENTHUB_RATE_LIMIT_TOKEN_LINK", "3/60"):
        for n in range(3):
            assert_problem(client.get(f"/api/v1/rsvp/forged-token-{n}"), 404)
        response = client.get("/api/v1/rsvp/forged-token-x")
        assert_problem(response, 429)
        assert int(response.headers["Retry-After"]) >= 1
        assert_problem(client.post("/api/v1/rsvp/forged-token-y/accept"), 429)
        # Other routes are not limited by the link bucket.
        assert client.get("/api/v1/editions").status_code == 200


def test_the_sign_in_page_is_limited_with_a_page_of_its_own(app, client):
    with config(app, "EVENTHUB_RATE_LIMIT_LOGIN", "2/60"):
        for _ in range(2):
            assert client.post("/login", data={"email": "x@example.org"}).status_code == 400
        response = client.post("/login", data={"email": "x@example.org"})
        assert response.status_code == 429
        assert response.mimetype == "text/html"
        assert "Too many attempts" in response.get_data(as_text=True)
        assert int(response.headers["Retry-After"]) >= 1
        # The page and the API share the bucket: the API is refused as well.
        assert_problem(client.post("/api/v1/auth/token",
                                   json={"email": "x@example.org", "password": "x"}), 429)


# Logs -------------------------------------------------------------------------------------

SECRET_LINK = "s3cr3t-invitation-link-token-0123456789"


def _all_log_text(records: list[logging.LogRecord]) -> list[str]:
    formatter = JsonFormatter()
    texts = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(formatter.format(record))
        texts.append(repr(record.__dict__))
    return texts


def test_an_invitation_token_never_reaches_the_logs(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get(f"/api/v1/rsvp/{SECRET_LINK}")
        client.post(f"/api/v1/rsvp/{SECRET_LINK}/accept")
    assert caplog.records, "the access log writes a line per request"
    leaks = [text for text in _all_log_text(caplog.records) if SECRET_LINK in text]
    assert leaks == []
    assert any("/api/v1/rsvp/[redacted]" in r.getMessage() for r in caplog.records)


def test_a_bearer_token_never_reaches_the_logs(app, caplog):
    from conftest import login

    token = login(app, make_user(app, Role.ADMIN))
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        assert client.get("/api/v1/auth/me",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
        client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}x"})
        client.post("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"},
                    json={"name": "Logged Ministry", "kind": "national_authority"})
    assert caplog.records
    leaks = [text for text in _all_log_text(caplog.records) if token in text]
    assert leaks == []


def test_a_password_never_reaches_the_logs(app, client, caplog):
    email = make_user(app, Role.VIEWER)
    with caplog.at_level(logging.DEBUG):
        client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        client.post("/api/v1/auth/token", json={"email": email, "password": "wrong-pw-123"})
    leaks = [text for text in _all_log_text(caplog.records)
             if PASSWORD in text or "wrong-pw-123" in text]
    assert leaks == []


def test_the_redacting_filter_scrubs_secrets_from_any_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1,
                               "GET %s with Authorization: Bearer abc.DEF-123 password=%s",
                               (f"/api/v1/rsvp/{SECRET_LINK}/accept", "hunter2"), None)
    assert RedactingFilter().filter(record)
    text = JsonFormatter().format(record)
    assert SECRET_LINK not in text and "abc.DEF-123" not in text and "hunter2" not in text


# Request size -----------------------------------------------------------------------------

def test_a_request_body_over_the_limit_is_refused_with_413(app, admin_client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"name": "' + b"x" * (limit + 1) + b'", "kind": "national_authority"}'
    response = admin_client.post("/api/v1/organizations", data=body,
                                 content_type="application/json")
    assert_problem(response, 413)
    assert admin_client.get("/api/v1/organizations").json == []


def test_a_body_within_the_limit_is_accepted(admin_client):
    create_organization(admin_client, "Small Ministry")
