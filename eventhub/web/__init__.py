"""Server-rendered pages for people in a browser: focal points (by their invitation link),
organizers and secretariat staff (signed in), and the public archive.

The pages call the same service functions as the API; a page view parses a form, calls
one service, and renders or redirects. Every POST carries a CSRF token (Flask-WTF), and
signed-in staff hold an API token of their own inside a signed, HttpOnly session cookie,
so signing out or disabling the account revokes the page session as well.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from eventhub import i18n as languages
from eventhub.web import common

csrf = CSRFProtect()

# Pages load nothing from elsewhere; forms post only back here.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def install(app: Flask) -> None:
    production = app.config["EVENTHUB_ENV"] == "production"
    app.config.update(
        SESSION_COOKIE_NAME="eventhub_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["EVENTHUB_SESSION_COOKIE_SECURE"] or production,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(
            seconds=app.config["EVENTHUB_TOKEN_TTL_SECONDS"]),
        # The API authenticates with bearer tokens and needs no CSRF token; page
        # blueprints check it themselves (see _protect_forms).
        WTF_CSRF_CHECK_DEFAULT=False,
        # A focal point may take an afternoon over a delegation form; the token lives as
        # long as the session.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    if not languages.preference_sources:
        # Pages only: the API answers in the language of ?lang= or Accept-Language.
        languages.preference_sources.extend([_switch_language, _user_language])

    from eventhub.web import account, manage, public, rsvp, secretariat  # noqa: I001
    from eventhub.web import edition_words  # noqa: F401  (its routes are on manage.blp)

    for module in (public, account, rsvp, manage, secretariat):
        blueprint = module.blp
        if not getattr(blueprint, "_page_hooks_added", False):
            # Blueprints are module objects: a second app in the same process (tests,
            # CLI) registers them again and must not stack the hooks twice.
            blueprint.before_request(_protect_forms)
            blueprint.after_request(_page_headers)
            for error, handler in common.ERROR_HANDLERS:
                blueprint.register_error_handler(error, handler)
            blueprint.register_error_handler(CSRFError, common.csrf_error_page)
            blueprint._page_hooks_added = True  # type: ignore[attr-defined]
        app.register_blueprint(blueprint)
    common.install_template_helpers(app)


LANGUAGE_COOKIE = "eventhub_lang"


def _on_a_page() -> bool:
    return not request.path.startswith("/api/")


def _switch_language() -> str | None:
    """The language picked with the switch on every page (kept in a cookie)."""
    return request.cookies.get(LANGUAGE_COOKIE) if _on_a_page() else None


def _user_language() -> str | None:
    """A signed-in member of staff's own setting (account page)."""
    if not _on_a_page() or not request.cookies.get(app_session_cookie()):
        return None
    return common.user_language()


def app_session_cookie() -> str:
    from flask import current_app

    return current_app.config["SESSION_COOKIE_NAME"]


def _protect_forms() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_CSP
    if request.path.startswith("/rsvp/") or common.signed_in():
        # Pages behind a secret link or a sign-in must not stay in shared caches.
        response.headers["Cache-Control"] = "no-store"
    return response
