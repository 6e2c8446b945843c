"""Staff sign-in for the pages: sessions, CSRF on every form, safe redirects, headers."""

from __future__ import annotations

from _web import Browser, browser_for_role
from conftest import PASSWORD, make_user

from eventhub.auth.models import Role


def test_signing_in_opens_the_staff_pages_and_signing_out_closes_them(app):
    browser = browser_for_role(app, Role.ORGANIZER, "org@example.org")
    page = browser.get("/manage/")
    assert page.status == 200
    assert "Sign out (org@example.org)" in page.text
    out = browser.post("/logout")
    assert out.status == 303
    assert browser.get("/manage/").status == 302


def test_a_wrong_password_keeps_the_email_and_says_what_went_wrong(app):
    make_user(app, Role.ORGANIZER, "org@example.org")
    browser = Browser(app.test_client())
    browser.get("/login")
    page = browser.post("/login", {"email": "org@example.org", "password": "wrong"})
    assert page.status == 401
    assert "E-mail or password is wrong" in page.text
    assert page.soup.find("input", attrs={"name": "email"})["value"] == "org@example.org"
    assert browser.get("/manage/").status == 302


def test_a_form_without_its_csrf_token_is_refused(app):
    make_user(app, Role.ORGANIZER, "org@example.org")
    browser = Browser(app.test_client())
    browser.get("/login")
    page = browser.post("/login", {"email": "org@example.org", "password": "x"}, csrf=False)
    assert page.status == 400
    assert "The form has expired" in page.text
    forged = browser.post("/login", {"email": "org@example.org", "csrf_token": "forged"})
    assert forged.status == 400


def test_anonymous_visitors_are_sent_to_sign_in_and_back(app):
    make_user(app, Role.ORGANIZER, "org@example.org")
    browser = Browser(app.test_client())
    page = browser.get("/manage/")
    assert page.status == 302
    assert page.response.headers["Location"].startswith("/login?next=/manage/")
    browser.get(page.response.headers["Location"])
    signed = browser.post("/login", {"email": "org@example.org",
                                     "password": PASSWORD,
                                     "next": "/manage/"})
    assert signed.response.headers["Location"] == "/manage/"


def test_next_never_leads_off_the_site(app):
    make_user(app, Role.ORGANIZER, "org@example.org")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        browser = Browser(app.test_client())
        browser.get("/login")
        page = browser.post("/login", {"email": "org@example.org",
                                       "password": PASSWORD,
                                       "next": target})
        assert page.response.headers["Location"] == "/manage/", target


def test_the_session_cookie_is_http_only_and_same_site(app):
    make_user(app, Role.ORGANIZER, "org@example.org")
    browser = Browser(app.test_client())
    browser.get("/login")
    page = browser.post("/login", {"email": "org@example.org",
                                   "password": PASSWORD})
    cookie = page.response.headers["Set-Cookie"]
    assert "eventhub_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_signing_out_revokes_the_token_behind_the_session(app):
    browser = browser_for_role(app, Role.ORGANIZER)
    stolen = browser.client.get_cookie("eventhub_session").value
    browser.post("/logout")
    thief = app.test_client()
    thief.set_cookie("eventhub_session", stolen)
    assert thief.get("/manage/").status_code == 302


def test_pages_carry_a_strict_content_security_policy(app):
    response = app.test_client().get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "form-action 'self'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_signed_in_viewer_reads_the_dashboard(app):
    browser = browser_for_role(app, Role.VIEWER)
    assert browser.get("/manage/").status == 200
