"""A new password ends the user's other sessions, on every path that sets one.

Whoever held one of the user's API tokens, or a signed-in browser (the page session holds
an API token too), is signed out when the password changes: by an admin through the API,
by the user through the API or the account page, or from the command line. Only the
session making the change is kept, and only when the user changed their own password.
"""

from __future__ import annotations

import sqlalchemy as sa
from _helpers import assert_problem, error_fields
from _web import Browser
from conftest import PASSWORD, login, make_user

from eventhub.auth.models import Role, User
from eventhub.extensions import db

ME_URL = "/api/v1/auth/me"
MY_PASSWORD_URL = "/api/v1/auth/me/password"
NEW_PASSWORD = "a brand new passphrase"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in(app, token: str) -> bool:
    response = app.test_client().get(ME_URL, headers=bearer(token))
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


def browser_signed_in_as(app, email: str, password: str = PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    browser.sign_in(email, password)
    assert browser.get("/manage/").status == 200
    return browser


def page_session_alive(browser: Browser) -> bool:
    page = browser.get("/manage/")
    assert page.status in (200, 302), page.status
    return page.status == 200


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def can_sign_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/api/v1/auth/token",
                                      json={"email": email, "password": password})
    return response.status_code == 201


def test_an_admin_setting_a_users_password_ends_all_their_sessions(app, admin_client):
    email = make_user(app, Role.ORGANIZER)
    tokens = [login(app, email), login(app, email)]
    browser = browser_signed_in_as(app, email)

    response = admin_client.patch(f"/api/v1/users/{user_id(app, email)}",
                                  json={"password": NEW_PASSWORD})
    assert response.status_code == 200, response.json

    assert [signed_in(app, token) for token in tokens] == [False, False]
    assert not page_session_alive(browser)
    assert not can_sign_in(app, email, PASSWORD)
    assert can_sign_in(app, email, NEW_PASSWORD)
    # The admin who made the change is not touched.
    assert admin_client.get(ME_URL).status_code == 200


def test_an_admin_changing_their_own_password_keeps_only_the_session_making_it(app):
    email = make_user(app, Role.ADMIN)
    token, other_token = login(app, email), login(app, email)
    browser = browser_signed_in_as(app, email)

    response = app.test_client().patch(f"/api/v1/users/{user_id(app, email)}",
                                       json={"password": NEW_PASSWORD}, headers=bearer(token))
    assert response.status_code == 200, response.json

    assert signed_in(app, token)
    assert not signed_in(app, other_token)
    assert not page_session_alive(browser)


def test_a_name_change_ends_no_session(app, admin_client):
    email = make_user(app, Role.VIEWER)
    token = login(app, email)
    response = admin_client.patch(f"/api/v1/users/{user_id(app, email)}",
                                  json={"name": "Renamed"})
    assert response.status_code == 200
    assert signed_in(app, token)


def test_users_change_their_own_password_through_the_api(app):
    email = make_user(app, Role.VIEWER)
    token, other_token = login(app, email), login(app, email)
    browser = browser_signed_in_as(app, email)
    client = app.test_client()

    response = client.put(MY_PASSWORD_URL, headers=bearer(token), json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 204, response.get_data(as_text=True)
    assert signed_in(app, token)
    assert not signed_in(app, other_token)
    assert not page_session_alive(browser)
    assert can_sign_in(app, email, NEW_PASSWORD)
    assert not can_sign_in(app, email, PASSWORD)


def test_a_wrong_current_password_or_a_short_new_one_changes_nothing(app):
    email = make_user(app, Role.SECRETARIAT)
    token, other_token = login(app, email), login(app, email)
    client = app.test_client()

    wrong = client.put(MY_PASSWORD_URL, headers=bearer(token), json={
        "current_password": "not my password", "new_password": NEW_PASSWORD})
    assert error_fields(assert_problem(wrong, 422)) == {"current_password"}
    short = client.put(MY_PASSWORD_URL, headers=bearer(token), json={
        "current_password": PASSWORD, "new_password": "short"})
    assert error_fields(assert_problem(short, 422)) == {"new_password"}
    assert_problem(client.put(MY_PASSWORD_URL, json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD}), 401)

    assert signed_in(app, token) and signed_in(app, other_token)
    assert can_sign_in(app, email, PASSWORD)


def test_the_command_line_sets_a_password_and_ends_every_session(app, cli):
    email = make_user(app, Role.ADMIN)
    token = login(app, email)
    browser = browser_signed_in_as(app, email)

    result = cli("users", "set-password", "--email", email.upper(),
                 input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "sessions have ended" in result.output
    assert not signed_in(app, token)
    assert not page_session_alive(browser)
    assert can_sign_in(app, email, NEW_PASSWORD)


def test_the_command_line_refuses_an_unknown_user_or_a_short_password(app, cli):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["users", "set-password", "--email", "nobody@example.org",
                                  "--password", NEW_PASSWORD])
    assert unknown.exit_code == 1 and "No user" in unknown.output
    email = make_user(app, Role.VIEWER)
    token = login(app, email)
    short = runner.invoke(args=["users", "set-password", "--email", email,
                                "--password", "short"])
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert signed_in(app, token)


def test_the_account_page_changes_the_password_and_keeps_only_this_browser(app):
    email = make_user(app, Role.ORGANIZER)
    token = login(app, email)
    other_browser = browser_signed_in_as(app, email)
    browser = browser_signed_in_as(app, email)

    form = browser.get("/account/password")
    assert form.status == 200
    # Reachable from the menu, through the account page.
    assert form.soup.find("a", href="/account")
    assert browser.get("/account").soup.find("a", href="/account/password")
    page = browser.post("/account/password", {"current_password": PASSWORD,
                                              "new_password": NEW_PASSWORD,
                                              "confirm_password": NEW_PASSWORD})

    assert page.status == 303, page.text[:500]
    assert page_session_alive(browser)
    assert not page_session_alive(other_browser)
    assert not signed_in(app, token)
    assert can_sign_in(app, email, NEW_PASSWORD)


def test_the_account_page_shows_what_is_wrong_by_field(app):
    email = make_user(app, Role.VIEWER)
    browser = browser_signed_in_as(app, email)
    browser.get("/account/password")

    wrong = browser.post("/account/password", {"current_password": "nope",
                                               "new_password": NEW_PASSWORD,
                                               "confirm_password": NEW_PASSWORD})
    assert wrong.status == 422
    assert "This is not your current password." in wrong.soup.select_one(
        "#f-current_password-error").get_text()
    differ = browser.post("/account/password", {"current_password": PASSWORD,
                                                "new_password": NEW_PASSWORD,
                                                "confirm_password": "something else"})
    assert differ.status == 422
    assert differ.soup.select_one("#f-confirm_password-error")
    assert page_session_alive(browser)
    assert can_sign_in(app, email, PASSWORD)


def test_anonymous_visitors_are_sent_to_sign_in_from_the_password_page(app):
    response = app.test_client().get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account/password")


def test_guessing_the_current_password_is_limited_like_signing_in(app):
    email = make_user(app, Role.VIEWER)
    token = login(app, email)
    client = app.test_client()
    limit = app.config["EVENTHUB_RATE_LIMIT_LOGIN"]
    # The sign-in above counts in the same bucket: four password checks, then none.
    app.config["EVENTHUB_RATE_LIMIT_LOGIN"] = "4/60"
    try:
        for guess in ("guess one", "guess two", "guess three"):
            assert_problem(client.put(MY_PASSWORD_URL, headers=bearer(token), json={
                "current_password": guess, "new_password": NEW_PASSWORD}), 422)
        refused = client.put(MY_PASSWORD_URL, headers=bearer(token), json={
            "current_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert_problem(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1
    finally:
        app.config["EVENTHUB_RATE_LIMIT_LOGIN"] = limit
    assert can_sign_in(app, email, PASSWORD)
