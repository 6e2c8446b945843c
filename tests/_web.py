"""A browser-like test client for the pages: keeps the session cookie, reads the CSRF
token from the last page's forms, and parses HTML with BeautifulSoup."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from conftest import PASSWORD, make_user
from flask import Flask
from flask.testing import FlaskClient


class Page:
    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")

    @property
    def text(self) -> str:
        return " ".join(self.soup.get_text(" ").split())

    def csrf_token(self) -> str | None:
        field = self.soup.find("input", attrs={"name": "csrf_token"})
        return field["value"] if field else None

    def form_values(self, selector: str = "form") -> dict[str, str]:
        """What the browser would send back for the first matching form as it stands."""
        form = self.soup.select_one(selector)
        values: dict[str, str] = {}
        for field in form.select("input[name], textarea[name], select[name]"):
            if field.name == "textarea":
                values[field["name"]] = field.get_text()
            elif field.name == "select":
                chosen = field.find("option", selected=True) or field.find("option")
                values[field["name"]] = chosen["value"] if chosen else ""
            elif field.get("type") in ("checkbox", "radio"):
                if field.has_attr("checked"):
                    values[field["name"]] = field.get("value", "on")
            else:
                values[field["name"]] = field.get("value", "")
        return values


class Browser:
    def __init__(self, client: FlaskClient):
        self.client = client
        self.token: str | None = None

    def get(self, url: str, **kwargs: Any) -> Page:
        page = Page(self.client.get(url, **kwargs))
        self.token = page.csrf_token() or self.token
        return page

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             follow: bool = False, **kwargs: Any) -> Page:
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        page = Page(self.client.post(url, data=data, follow_redirects=follow, **kwargs))
        self.token = page.csrf_token() or self.token
        return page

    def sign_in(self, email: str, password: str = PASSWORD) -> Page:
        self.get("/login")
        page = self.post("/login", {"email": email, "password": password})
        assert page.status == 303, page.text[:500]
        # Signing in starts a new session (and CSRF token): follow the redirect as a
        # browser would, to hold the new token.
        self.token = None
        self.get(page.response.headers["Location"])
        return page


def browser_for_role(app: Flask, role, email: str | None = None) -> Browser:
    email = make_user(app, role, email)
    browser = Browser(app.test_client())
    browser.sign_in(email)
    return browser
