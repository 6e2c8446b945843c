"""Server-rendered pages for people in a browser: focal points (by their invitation link),
organizers and secretariat staff (signed in), and the public archive.

The pages call the same service functions as the API; a page view parses a form, calls
one service, and renders or redirects. Every POST carries a CSRF token (Flask-WTF), and
signed-in staff hold an API token of their own inside a signed, HttpOnly session cookie,
so signing out or disabling the account revokes the page session as well.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from flask import Flask, Response, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape

from eventhub import dates
from eventhub import i18n as languages
from eventhub.editions.words import Words, in_language
from eventhub.i18n import _
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
        languages.preference_sources.extend([_user_language, _switch_language])

    from eventhub.web import account, manage, public, rsvp, secretariat  # noqa: I001
    from eventhub.web import edition_words  # noqa: F401  (its routes are on manage.blp)
    from eventhub.web import outbox  # noqa: F401  (its routes are on manage.blp)
    from eventhub.web import directory_pages, editions_pages  # noqa: F401  (on manage.blp)
    from eventhub.web import registration_pages  # noqa: F401  (routes on manage.blp)
    from eventhub.web import badges_pages, programme_pages  # noqa: F401  (on manage.blp)

    for module in (public, account, rsvp, manage, secretariat):
        blueprint = module.blp
        if not getattr(blueprint, "_page_hooks_added", False):
            # Blueprints are module objects: a second app in the same process (tests,
            # CLI) registers them again and must not stack the hooks twice.
            blueprint.before_request(_protect_forms)
            blueprint.after_request(_page_headers)
            for error, handler in common.ERROR_HANDLERS:
                blueprint.register_error_handler(error, handler)
            blueprint.register_error_handler(CSRFError, _csrf_error_page)
            blueprint._page_hooks_added = True  # type: ignore[attr-defined]
        app.register_blueprint(blueprint)
    common.install_template_helpers(app)
    app.jinja_env.globals.update(language_switch=language_switch, words=words,
                                 words_text=words_text, day=dates.day,
                                 day_span=dates.day_span, moment=dates.moment,
                                 number=number)


LANGUAGE_COOKIE = "eventhub_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


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
    _remember_language(response)
    if request.path.startswith("/rsvp/") or common.signed_in():
        # Pages behind a secret link or a sign-in must not stay in shared caches.
        response.headers["Cache-Control"] = "no-store"
    return response


def _remember_language(response: Response) -> None:
    """A language chosen with the switch (?lang= on a page) stays chosen on the next pages,
    which carry no ?lang=. Not for signed-in staff: their language is a setting of their
    account (/account), which a page shown once in another language must not override."""
    chosen = languages._known(request.args.get("lang"))
    if chosen and chosen != request.cookies.get(LANGUAGE_COOKIE) and not common.signed_in():
        from flask import current_app

        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_MAX_AGE,
                            path="/", samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])


def language_switch() -> list[dict[str, object]]:
    """One link per offered language to the page being shown, with ?lang=. A page shown
    after a form was sent has no address of its own to repeat: its links lead to where the
    form came from (a focal point's invitation, else the start page)."""
    current = languages.language()
    view_args = dict(request.view_args or {})
    if request.method == "GET" and request.endpoint:
        args = {key: value for key, value in request.args.items() if key != "lang"}

        def href(code: str) -> str:
            return url_for(request.endpoint, **view_args, **args, lang=code)
    elif request.method == "GET":  # an address no page answers (404 page)
        def href(code: str) -> str:
            return f"{request.path}?lang={code}"
    elif view_args.get("token") and (request.endpoint or "").startswith("web_rsvp."):
        def href(code: str) -> str:
            return url_for("web_rsvp.invitation", token=view_args["token"], lang=code)
    else:
        def href(code: str) -> str:
            return url_for("web_public.home", lang=code)
    return [{"code": code, "name": languages.language_name(code), "href": href(code),
             "current": code == current} for code in languages.available_locales()]


def _csrf_error_page(error: CSRFError) -> Response:
    body = render_template(
        "error.html", status=400, title=_("The form has expired"),
        detail=_("Reload the page and send the form again. (The security token of the form "
                 "was missing or out of date.)"))
    return Response(body, status=400)


# The edition's own words and numbers on pages -----------------------------------------

def fallback_note(shown: Words) -> str:
    """"(in English)" in the page's language, for words shown in another language than the
    page's because no translation is stored."""
    try:
        name = Locale.parse(shown.language).get_display_name(languages.language())
    except (UnknownLocaleError, ValueError):
        name = shown.language
    return _("(in %(language)s)", language=name)


def words(obj: Any, field: str) -> Markup:
    """An edition's or programme item's words in the page's language; a fallback to another
    language is marked with its language and a note, so readers and screen readers know."""
    shown = in_language(obj, field)
    if not shown.is_fallback:
        return escape(shown.text)
    return Markup('<span lang="{}">{}</span> <small class="fallback">{}</small>').format(
        shown.language, shown.text, fallback_note(shown))


def words_text(obj: Any, field: str) -> str:
    """The same as plain text (a page title, an attribute)."""
    shown = in_language(obj, field)
    return f"{shown.text} {fallback_note(shown)}" if shown.is_fallback else shown.text


def number(value: Any) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=languages.language())
