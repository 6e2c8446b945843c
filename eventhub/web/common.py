"""What every page module shares: who is signed in, permission checks that send people to
the sign-in page, form parsing through the API's own schemas, field errors, and HTML
error pages."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from eventhub import dates
from eventhub.auth.permissions import ANONYMOUS, Actor, Permission
from eventhub.errors import DomainError, NotAuthenticated, PermissionDenied, flatten_messages

SESSION_TOKEN = "api_token"
logger = logging.getLogger(__name__)


# Who is signed in ------------------------------------------------------------------------

def page_actor() -> Actor:
    """The signed-in person, from the API token kept in the session cookie. A token that
    was revoked or expired ends the page session quietly."""
    actor = g.get("actor")
    if actor is not None:
        return actor
    from eventhub.auth.service import actor_for_token

    actor = ANONYMOUS
    token = session.get(SESSION_TOKEN)
    if token:
        try:
            actor = actor_for_token(token)
        except NotAuthenticated:
            session.clear()
    g.actor = actor
    return actor


def user_language() -> str | None:
    """The language setting of the signed-in user, if any."""
    actor = page_actor()
    if not actor.is_authenticated or actor.user_id is None:
        return None
    from eventhub.auth.models import User
    from eventhub.extensions import db

    user = db.session.get(User, actor.user_id)
    return user.language if user is not None else None


def signed_in() -> bool:
    return page_actor().is_authenticated


def page_requires(permission: Permission | None = None) -> Callable:
    """Send anonymous visitors to the sign-in page (and back afterwards); refuse signed-in
    people whose role lacks the permission with a 403 page."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = page_actor()
            if not actor.is_authenticated:
                return redirect(url_for("web_account.login", next=request.full_path.rstrip("?")))
            if permission is not None and not actor.can(permission):
                raise PermissionDenied(
                    f"Your role ({actor.role}) may not {permission.value}.")
            return view(*args, **kwargs)

        wrapper._page_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


# Forms ---------------------------------------------------------------------------------

def form_values(form: Mapping[str, str], fields: Iterable[str]) -> dict[str, Any]:
    """The named fields that were filled in. An empty box means "not given", as a missing
    key does in the API."""
    values = {}
    for name in fields:
        value = form.get(name, "")
        if isinstance(value, str):
            value = value.strip()
        if value != "":
            values[name] = value
    return values


def form_integer(value: Any) -> Any:
    """A number box as the API's strict integer fields expect it; anything else is left
    as typed for the schema to report."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate form data with the API's own input schema, so a page accepts exactly what
    the API accepts. Raises FormInvalid with messages by field."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise FormInvalid(messages_by_field(exc.messages)) from exc


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def messages_by_field(messages: Any) -> dict[str, str]:
    """marshmallow's nested messages as one text per field ("members.0.email"); messages
    about the whole form go under ""."""
    by_field: dict[str, list[str]] = {}
    for entry in flatten_messages(messages, "form"):
        field = "" if entry["field"] == "_schema" else entry["field"]
        by_field.setdefault(field, []).append(entry["message"])
    return {field: " ".join(texts) for field, texts in by_field.items()}


def field_errors(error: DomainError | FormInvalid) -> dict[str, str]:
    """Messages by field for a form: validation errors keep their field; a refusal by a
    service without a field ("" key) is shown above the form."""
    if isinstance(error, FormInvalid):
        return error.errors
    found = {e.get("field", ""): e.get("message", "") for e in error.errors}
    if not found or "" not in found:
        found.setdefault("", error.detail)
    return found


# Error pages ---------------------------------------------------------------------------

def _error_page(status: int, title: str, detail: str,
                headers: Mapping[str, str] | None = None) -> Response:
    response = Response(render_template("error.html", status=status, title=title,
                                        detail=detail), status=status)
    for key, value in (headers or {}).items():
        if key.lower() != "www-authenticate":
            response.headers[key] = value
    return response


def domain_error_page(error: DomainError) -> Response:
    if isinstance(error, NotAuthenticated):
        session.clear()
        return redirect(url_for("web_account.login", next=request.full_path.rstrip("?")))
    return _error_page(error.status, error.translated_title, error.detail, error.headers)


def http_error_page(error: HTTPException) -> Response:
    return _error_page(error.code or 500, error.name, error.description or "")


def csrf_error_page(error: HTTPException) -> Response:
    return _error_page(400, "The form has expired",
                       "Reload the page and send the form again. (The security token "
                       "of the form was missing or out of date.)")


def unexpected_error_page(error: Exception) -> Response:
    if current_app.testing:
        raise error  # tests see the real exception, as with the API
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return _error_page(500, "Something went wrong",
                       "The error has been logged. Please try again in a moment.")


ERROR_HANDLERS: list[tuple[type[Exception], Callable]] = [
    (DomainError, domain_error_page),
    (HTTPException, http_error_page),
    (Exception, unexpected_error_page),
]


# Template helpers ----------------------------------------------------------------------

def local_time(value: dt.datetime | None, zone: str | None = None,
               fmt: str = "%d %b %Y %H:%M") -> str:
    if value is None:
        return ""
    if zone:
        value = value.astimezone(zoneinfo.ZoneInfo(zone))
        return f"{value.strftime(fmt)} ({zone})"
    return value.astimezone(dt.UTC).strftime(fmt) + " UTC"


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(local_time=local_time, long_date=dates.long_date_en,
                                 date_span=dates.date_range_en)
    app.jinja_env.globals.update(page_actor=page_actor)
