"""Signing in, tokens and user accounts, through the HTTP API."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from _helpers import assert_problem, error_fields
from conftest import PASSWORD, login, make_user

from eventhub.auth.models import ApiToken, Role, User
from eventhub.extensions import db

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_token_is_issued_and_identifies_the_user(app, client):
    email = make_user(app, Role.ORGANIZER)

    response = client.post(TOKEN_URL, json={"email": email, "password": PASSWORD})

    assert response.status_code == 201
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["token"]
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    now = dt.datetime.now(dt.UTC)
    # The test app issues tokens for one hour.
    assert now + dt.timedelta(minutes=55) < expires_at <= now + dt.timedelta(minutes=61)

    me = client.get(ME_URL, headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json["email"] == email
    assert me.json["role"] == "organizer"
    assert me.json["is_active"] is True
    assert "password" not in me.json and "password_hash" not in me.json


def test_email_is_matched_case_insensitively_at_login(app, client):
    email = make_user(app, Role.VIEWER, email="mixed.case@example.org")
    response = client.post(TOKEN_URL, json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 201


def test_wrong_password_and_unknown_email_get_the_same_401(app, client):
    email = make_user(app, Role.VIEWER)

    wrong_password = client.post(TOKEN_URL, json={"email": email, "password": "not it at all"})
    unknown_email = client.post(TOKEN_URL, json={"email": "nobody@example.org",
                                                 "password": PASSWORD})

    wrong_body = assert_problem(wrong_password, 401)
    unknown_body = assert_problem(unknown_email, 401)
    # Nothing in the answer tells an attacker which addresses have accounts.
    assert wrong_body["detail"] == unknown_body["detail"]
    assert wrong_body["title"] == unknown_body["title"]
    assert "WWW-Authenticate" in wrong_password.headers
    assert "token" not in wrong_body


def test_login_without_password_is_a_validation_error(client):
    body = assert_problem(client.post(TOKEN_URL, json={"email": "a@example.org"}), 422)
    assert "password" in error_fields(body)


def test_disabled_user_cannot_log_in_and_its_tokens_stop_working(app, admin_client, client):
    email = make_user(app, Role.VIEWER)
    token = login(app, email)
    me = client.get(ME_URL, headers=bearer(token))
    assert me.status_code == 200
    user_id = me.json["id"]

    response = admin_client.patch(f"/api/v1/users/{user_id}", json={"is_active": False})
    assert response.status_code == 200
    assert response.json["is_active"] is False

    assert_problem(client.get(ME_URL, headers=bearer(token)), 401)
    refused = assert_problem(client.post(TOKEN_URL, json={"email": email,
                                                          "password": PASSWORD}), 401)
    unknown = assert_problem(client.post(TOKEN_URL, json={"email": "nobody@example.org",
                                                          "password": PASSWORD}), 401)
    assert refused["detail"] == unknown["detail"]


def test_delete_token_signs_out(app, client):
    token = login(app, make_user(app, Role.SECRETARIAT))
    assert client.get(ME_URL, headers=bearer(token)).status_code == 200

    response = client.delete(TOKEN_URL, headers=bearer(token))

    assert response.status_code == 204
    assert_problem(client.get(ME_URL, headers=bearer(token)), 401)
    assert_problem(client.delete(TOKEN_URL, headers=bearer(token)), 401)


def test_signing_out_revokes_only_the_token_used(app, client):
    email = make_user(app, Role.VIEWER)
    first, second = login(app, email), login(app, email)

    assert client.delete(TOKEN_URL, headers=bearer(first)).status_code == 204

    assert_problem(client.get(ME_URL, headers=bearer(first)), 401)
    assert client.get(ME_URL, headers=bearer(second)).status_code == 200


def test_expired_token_is_refused(app, client):
    email = make_user(app, Role.VIEWER)
    token = login(app, email)
    assert client.get(ME_URL, headers=bearer(token)).status_code == 200

    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user_id).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()

    body = assert_problem(client.get(ME_URL, headers=bearer(token)), 401)
    assert "expired" in body["detail"]


def test_garbage_or_missing_bearer_token_is_refused(client):
    assert_problem(client.get(ME_URL, headers=bearer("not-a-real-token")), 401)
    assert_problem(client.get(ME_URL, headers={"Authorization": "Bearer "}), 401)
    assert_problem(client.get(ME_URL, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)
    assert_problem(client.get(ME_URL), 401)


def test_admin_creates_and_lists_users(app, admin_client, client):
    response = admin_client.post("/api/v1/users", json={
        "email": "New.Organizer@Example.org", "name": "New Organizer", "role": "organizer",
        "password": "long-enough-pass"})

    assert response.status_code == 201
    created = response.json
    assert created["email"] == "new.organizer@example.org"
    assert created["role"] == "organizer"
    assert created["is_active"] is True
    assert "password" not in created and "password_hash" not in created

    listing = admin_client.get("/api/v1/users")
    assert listing.status_code == 200
    emails = [user["email"] for user in listing.json]
    assert "new.organizer@example.org" in emails
    assert len(emails) == 2  # the admin and the new organizer

    assert admin_client.get(f"/api/v1/users/{created['id']}").json["email"] == created["email"]
    token = client.post(TOKEN_URL, json={"email": "new.organizer@example.org",
                                         "password": "long-enough-pass"})
    assert token.status_code == 201


def test_non_admin_cannot_manage_users(app, organizer_client):
    before = user_count(app)

    assert_problem(organizer_client.get("/api/v1/users"), 403)
    assert_problem(organizer_client.get("/api/v1/users/1"), 403)
    assert_problem(organizer_client.post("/api/v1/users", json={
        "email": "sneaky@example.org", "name": "Sneaky", "role": "admin",
        "password": "long-enough-pass"}), 403)
    me = organizer_client.get(ME_URL).json
    assert_problem(organizer_client.patch(f"/api/v1/users/{me['id']}",
                                          json={"role": "admin"}), 403)

    assert user_count(app) == before
    assert organizer_client.get(ME_URL).json["role"] == "organizer"


def test_duplicate_email_is_a_conflict(app, admin_client):
    email = make_user(app, Role.VIEWER, email="taken@example.org")
    before = user_count(app)

    response = admin_client.post("/api/v1/users", json={
        "email": email.upper(), "name": "Someone Else", "role": "viewer",
        "password": "long-enough-pass"})

    assert_problem(response, 409)
    assert user_count(app) == before


def test_short_password_is_refused_on_the_password_field(app, admin_client):
    before = user_count(app)

    response = admin_client.post("/api/v1/users", json={
        "email": "short@example.org", "name": "Short", "role": "viewer", "password": "short"})

    body = assert_problem(response, 422)
    assert error_fields(body) == {"password"}
    assert user_count(app) == before


def test_short_password_is_refused_on_change(app, admin_client, client):
    email = make_user(app, Role.VIEWER)
    user_id = client.get(ME_URL, headers=bearer(login(app, email))).json["id"]

    body = assert_problem(admin_client.patch(f"/api/v1/users/{user_id}",
                                             json={"password": "short"}), 422)

    assert error_fields(body) == {"password"}
    assert client.post(TOKEN_URL, json={"email": email, "password": PASSWORD}).status_code == 201


def test_last_admin_cannot_be_disabled_or_demoted(app, admin_client):
    me = admin_client.get(ME_URL).json

    assert_problem(admin_client.patch(f"/api/v1/users/{me['id']}",
                                      json={"is_active": False}), 409)
    assert_problem(admin_client.patch(f"/api/v1/users/{me['id']}",
                                      json={"role": "viewer"}), 409)

    after = admin_client.get(ME_URL)
    assert after.status_code == 200
    assert after.json["role"] == "admin" and after.json["is_active"] is True

    # With a second admin, the first may step down.
    make_user(app, Role.ADMIN)
    response = admin_client.patch(f"/api/v1/users/{me['id']}", json={"role": "organizer"})
    assert response.status_code == 200
    assert response.json["role"] == "organizer"


def test_passwords_and_tokens_are_not_stored_in_plaintext(app):
    email = make_user(app, Role.VIEWER)
    token = login(app, email)

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("$argon2")
        digests = db.session.scalars(
            sa.select(ApiToken.token_digest).where(ApiToken.user_id == user.id)).all()
    assert digests and token not in digests
