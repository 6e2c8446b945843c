"""Errors as RFC 9457 problem documents (application/problem+json).

Services raise DomainError subclasses; validation errors come from webargs/marshmallow
through flask-smorest; anything else becomes a problem document too, so a client never
has to parse two error formats.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from eventhub.extensions import db

PROBLEM_MIME = "application/problem+json"
logger = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}


class NotAuthenticated(DomainError):
    status = 401
    title = "Authentication required"

    def __init__(self, detail: str = "Send a valid bearer token in the Authorization header."):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="eventhub"'})


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable content"

    @classmethod
    def for_field(cls, field: str, message: str) -> Unprocessable:
        return cls(message, errors=[{"field": field, "location": "json", "message": message}])


def problem_title(status: int) -> str:
    """The standard phrase of a status, in the sentence case of the services' own titles
    ("Not found", not werkzeug's "Not Found"), with RFC 9110's current names."""
    phrase = _CURRENT_PHRASES.get(status) or HTTPStatus(status).phrase
    return phrase[0] + phrase[1:].lower()


_CURRENT_PHRASES = {413: "Content too large", 422: "Unprocessable content"}


def problem_response(status: int, title: str, detail: str | None = None, *,
                     errors: list[dict[str, str]] | None = None,
                     extra: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten_messages(messages: Any, location: str, prefix: str = "") -> list[dict[str, str]]:
    """Turn marshmallow's nested message dict into one entry per field and message."""
    flat: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.extend(flatten_messages(value, location, name))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                flat.extend(flatten_messages(item, location, prefix))
            else:
                flat.append({"field": prefix or "_schema", "location": location,
                             "message": str(item)})
    else:
        flat.append({"field": prefix or "_schema", "location": location, "message": str(messages)})
    return flat


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors: list[dict[str, str]] = []
    # webargs stores validation messages as {location: {field: [messages]}}
    for location, messages in (data.get("messages") or {}).items():
        errors.extend(flatten_messages(messages, location))
    detail = data.get("message") or error.description
    if errors and error.code == 422:
        detail = "The request has invalid fields; see errors."
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.get_headers():
        headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
    status = error.code or 500
    return problem_response(status, problem_title(status), detail, errors=errors,
                            headers=headers)


def handle_domain_error(error: DomainError) -> Response:
    return problem_response(error.status, error.title, error.detail, errors=error.errors,
                            extra=error.extra, headers=error.headers)


def handle_integrity_error(error: IntegrityError) -> Response:
    # A unique or foreign-key constraint caught what a service check could not see
    # (typically two concurrent requests); the client may retry after re-reading.
    db.session.rollback()
    logger.info("integrity error turned into 409: %s", error.orig)
    return problem_response(409, "Conflict",
                            "The change conflicts with existing data (a duplicate or a "
                            "reference to something that does not exist).")


def handle_unexpected_error(error: Exception) -> Response:
    db.session.rollback()
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, "Internal server error",
                            "An unexpected error occurred; it has been logged.")
