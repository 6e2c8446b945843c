"""A walk over every page route of the URL map, so a page added later is held to the same
rules: each form POST refuses a request without its CSRF token, staff pages send
anonymous visitors to sign in, and a signed-in viewer (who may only read) is refused every
staff write before the form is looked at."""

from __future__ import annotations

import re

import pytest
from _web import Page, browser_for_role
from flask import Flask

from eventhub.auth.models import Role

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
STAFF_PREFIXES = ("/manage", "/secretariat")
# Sign-in and sign-out are the only page writes open to everyone; focal point pages are
# guarded by the secret of their link instead of a role.
OPEN_WRITES = {"/login", "/logout"}
# Statement writes of the chair's approver, who may hold any staff role.
APPROVER_WRITES = ("/comments", "/resolve", "/suggestions", "/status")


def page_rules(app: Flask):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("web_")), key=lambda r: r.rule)


def dummy_url(rule) -> str:
    def value(match: re.Match) -> str:
        converter = match.group(1) or "string"
        return "1" if converter == "int" else "2024-suzhou" if match.group(2) == "slug" \
            else "x"
    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule.rule)


def write_routes(app: Flask) -> list[tuple[str, str]]:
    return [(method, dummy_url(rule)) for rule in page_rules(app)
            for method in sorted(rule.methods & WRITE_METHODS)]


def staff_reads(app: Flask) -> list[str]:
    return [dummy_url(rule) for rule in page_rules(app)
            if rule.rule.startswith(STAFF_PREFIXES) and "GET" in rule.methods]


def test_the_walk_sees_the_pages_of_every_audience(app):
    rules = {rule.rule for rule in page_rules(app)}
    for prefix in ("/rsvp/", "/manage/", "/secretariat/", "/editions/", "/login"):
        assert any(r.startswith(prefix) for r in rules), prefix
    assert len(write_routes(app)) >= 15


def test_every_page_form_refuses_a_post_without_its_csrf_token(app):
    client = app.test_client()
    for method, url in write_routes(app):
        response = client.open(url, method=method, data={"anything": "x"})
        assert response.status_code == 400, (method, url, response.status_code)
        assert "The form has expired" in Page(response).text, (method, url)


def test_staff_pages_send_anonymous_visitors_to_sign_in(app):
    client = app.test_client()
    for url in staff_reads(app):
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), url


@pytest.fixture
def viewer(app):
    return browser_for_role(app, Role.VIEWER)


def test_a_viewer_is_refused_every_staff_write(app, viewer):
    viewer.get("/manage/")
    for method, url in write_routes(app):
        if url in OPEN_WRITES or not url.startswith(STAFF_PREFIXES):
            continue
        page = viewer.post(url, {"anything": "x"}) if method == "POST" else Page(
            viewer.client.open(url, method=method, data={"csrf_token": viewer.token}))
        if url.endswith(APPROVER_WRITES) and url.startswith("/secretariat"):
            # Open to the statement's designated approver, whatever their role: the role
            # cannot refuse it, the statement (absent here) does.
            assert page.status in (403, 404), (method, url, page.status, page.text[:200])
            continue
        assert page.status == 403, (method, url, page.status, page.text[:200])
