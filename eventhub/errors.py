"""Errors as RFC 9457 problem documents (application/problem+json).

Services raise DomainError subclasses; validation errors come from webargs/marshmallow
through flask-smorest; anything else becomes a problem document too, so a client never
has to parse two error formats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from babel.lists import format_list
from flask import Response, json, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from eventhub.extensions import db
from eventhub.i18n import N_, _, language, translate
from eventhub.validation_messages import FieldMessage, Template

PROBLEM_MIME = "application/problem+json"
# webargs' message for a body that is no JSON, shown as a field entry: marked here so that
# it reads in the reader's language (field_entry looks it up).
INVALID_JSON_BODY = N_("Invalid JSON body.")
logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal by a service. `message` is an English msgid marked with N_() whose
    placeholders (%(name)s) are filled from `params`; it is translated into the language of
    the request when the answer is written, so the same refusal reads in English for one
    client and in Chinese for another. `code` names the refusal for programs and pages
    (which translate the code's message, never an English sentence); it is stable across
    rewordings."""

    status = 400
    title = N_("Bad request")
    default_code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None,
                 errors: list[dict[str, Any]] | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 **params: Any):
        super().__init__(_english(message, params))
        self.message = message
        self.code = code or self.default_code
        self.params = params
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}

    @property
    def detail(self) -> str:
        return translate(self.message, self.params)

    @property
    def translated_title(self) -> str:
        return translate(self.title)

    def field_errors(self) -> list[dict[str, Any]]:
        """The field entries in the request's language: an entry may carry `params` for
        its message (a msgid) and a `code`."""
        return [render_field_error(entry) for entry in self.errors]


class Term:
    """A parameter that is one of our own words (a status, a kind of record): sent in
    `params` as its value, read in the reader's language inside the detail. `render`
    translates it (a pgettext call, so the word keeps its context for translators)."""

    def __init__(self, value: str, render: Callable[[], str]):
        self.value = value
        self.render = render

    def __str__(self) -> str:
        return self.render()

    def as_param(self) -> str:
        return self.value


class Counts:
    """A parameter that lists how many of what ("3 people and 1 hosted edition") in the
    reader's language, sent in `params` as {what: count}. `wording(what, count)` words one
    of them (an ngettext call)."""

    def __init__(self, counts: dict[str, int], wording: Callable[[str, int], str]):
        self.counts = dict(counts)
        self.wording = wording

    def __str__(self) -> str:
        words = [self.wording(what, count) for what, count in self.counts.items()]
        return format_list(words, locale=language()) if words else ""

    def as_param(self) -> dict[str, int]:
        return dict(self.counts)


def _english(message: str, params: dict[str, Any]) -> str:
    """The refusal as the exception's own text (logs, tracebacks): the msgid filled in,
    our words by their values rather than in the request's language."""
    plain = {key: value.as_param() if isinstance(value, Term) else value
             for key, value in params.items()}
    try:
        return message % plain if plain else message
    except (KeyError, ValueError, TypeError):
        return message


def render_field_error(entry: dict[str, Any]) -> dict[str, Any]:
    """A field entry in the request's language; its `params` are sent too (as JSON can
    carry them), for clients that word the message themselves."""
    rendered = dict(entry)
    params = entry.get("params")
    text = entry.get("message", "")
    if isinstance(text, FieldMessage):
        # A validation message: already in the reader's language, parameters filled in.
        rendered["message"] = str(text)
    else:
        rendered["message"] = translate(str(text), params)
    if params:
        rendered["params"] = {key: _plain(value) for key, value in params.items()}
    return rendered


class NotAuthenticated(DomainError):
    status = 401
    title = N_("Authentication required")
    default_code = "auth.required"

    def __init__(self, message: str = N_("Send a valid bearer token in the Authorization "
                                         "header."), *, code: str | None = None,
                 **params: Any):
        super().__init__(message, code=code,
                         headers={"WWW-Authenticate": 'Bearer realm="eventhub"'}, **params)


class PermissionDenied(DomainError):
    status = 403
    title = N_("Forbidden")
    default_code = "permission.denied"


class NotFound(DomainError):
    status = 404
    title = N_("Not found")
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    title = N_("Conflict")
    default_code = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = N_("Precondition failed")
    default_code = "precondition_failed"


class Unprocessable(DomainError):
    status = 422
    title = N_("Unprocessable content")
    default_code = "validation.failed"

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str | None = None,
                  **params: Any) -> Unprocessable:
        entry: dict[str, Any] = {"field": field, "location": "json", "message": message}
        if code:
            entry["code"] = code
        if params:
            entry["params"] = params
        return cls(message, code=code, errors=[entry], **params)


# The standard phrases of the statuses the service answers with, marked for translation.
_STATUS_TITLES = {
    400: N_("Bad request"), 401: N_("Authentication required"), 403: N_("Forbidden"),
    404: N_("Not found"), 405: N_("Method not allowed"), 406: N_("Not acceptable"),
    409: N_("Conflict"), 410: N_("Gone"), 412: N_("Precondition failed"),
    413: N_("Content too large"), 415: N_("Unsupported media type"),
    422: N_("Unprocessable content"), 428: N_("Precondition required"),
    429: N_("Too many requests"), 500: N_("Internal server error"),
    503: N_("Service unavailable"),
}

# Codes of the answers that come from HTTP itself rather than from a service.
_STATUS_CODES = {
    400: "bad_request", 401: "auth.required", 403: "permission.denied", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 410: "gone",
    412: "precondition_failed", 413: "content_too_large", 415: "unsupported_media_type",
    422: "validation.failed", 428: "precondition_required", 429: "rate_limited",
    500: "internal_error", 503: "unavailable",
}


def problem_title(status: int) -> str:
    """The standard phrase of a status in the request's language, in the sentence case of
    the services' own titles ("Not found", not werkzeug's "Not Found")."""
    if status in _STATUS_TITLES:
        return translate(_STATUS_TITLES[status])
    phrase = HTTPStatus(status).phrase
    return phrase[0] + phrase[1:].lower()


def status_code_name(status: int) -> str:
    # Every code is listed in eventhub.error_codes: an unusual status gets the generic one.
    return _STATUS_CODES.get(status) or ("internal_error" if status >= 500 else "bad_request")


def problem_response(status: int, title: str, detail: str | None = None, *,
                     code: str | None = None, params: dict[str, Any] | None = None,
                     errors: list[dict[str, Any]] | None = None,
                     extra: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "code": code or status_code_name(status)}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if params:
        body["params"] = {key: _plain(value) for key, value in params.items()}
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    response.headers["Content-Language"] = language()
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _plain(value: Any) -> Any:
    """A parameter as JSON can carry it (dates as ISO 8601, enums by value, a parameter
    that reads as text in the reader's language by its data)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "as_param"):
        return _plain(value.as_param())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def flatten_messages(messages: Any, location: str, prefix: str = "") -> list[dict[str, Any]]:
    """Turn marshmallow's nested message dict into one entry per field and message."""
    flat: list[dict[str, Any]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.extend(flatten_messages(value, location, name))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                flat.extend(flatten_messages(item, location, prefix))
            else:
                flat.append(field_entry(prefix or "_schema", location, item))
    else:
        flat.append(field_entry(prefix or "_schema", location, messages))
    return flat


def field_entry(field: str, location: str, message: Any) -> dict[str, Any]:
    """One field error of a problem document. A validation message knows its code and
    parameters (eventhub.validation_messages) and is already in the reader's language; any
    other text is looked up as a msgid, so a marked message of a library or of ours reads
    in the reader's language too."""
    entry: dict[str, Any] = {"field": field, "location": location}
    if isinstance(message, Template):
        # A schema-level message (an unknown field) is stored unformatted by marshmallow.
        message = message.format()
    code = getattr(message, "code", None)
    if code:
        entry["message"] = str(message)
        entry["code"] = code
        params = getattr(message, "params", None)
        if params:
            entry["params"] = {key: _plain(value) for key, value in params.items()}
    else:
        entry["message"] = translate(str(message))
    return entry


# What an answer of HTTP itself (werkzeug's, flask-smorest's) says, in our words, instead
# of werkzeug's English descriptions.
_STATUS_DETAILS = {
    400: N_("The request is malformed."),
    401: N_("Send a valid bearer token in the Authorization header."),
    403: N_("You may not do this."),
    404: N_("There is nothing at this address."),
    406: N_("The resource is not available in a representation the request accepts."),
    409: N_("The request conflicts with the current state of the resource."),
    410: N_("This resource is gone."),
    412: N_("The resource has changed since you read it; read it again and send its "
            "current ETag in If-Match."),
    415: N_("The media type of the request body is not supported here."),
    428: N_("Send the ETag of the resource you read in the If-Match header."),
    429: N_("Too many requests; wait before trying again."),
    500: N_("An unexpected error occurred; it has been logged."),
    503: N_("The service is unavailable for a moment; try again shortly."),
}


def _http_detail(error: HTTPException, status: int, headers: dict[str, str]
                 ) -> tuple[str, dict[str, Any]]:
    if status == 405:
        params = {"method": request.method, "allowed": headers.get("Allow", "")}
        return N_("The method %(method)s is not allowed at this address; it allows "
                  "%(allowed)s."), params
    if status == 413:
        limit = request.max_content_length
        if limit:
            return N_("The request body is larger than the limit of %(limit)s bytes."), {
                "limit": limit}
        return N_("The request body is too large."), {}
    return _STATUS_DETAILS.get(status, N_("The request could not be answered.")), {}


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    errors: list[dict[str, Any]] = []
    # webargs stores validation messages as {location: {field: [messages]}}
    for location, messages in (data.get("messages") or {}).items():
        errors.extend(flatten_messages(messages, location))
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_headers():
        headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
    message, params = _http_detail(error, status, headers)
    code = status_code_name(status)
    if data.get("message"):
        message, params = str(data["message"]), {}
    if errors and status == 422:
        message, params = N_("The request has invalid fields; see errors."), {}
        code = "validation.invalid_fields"
    elif errors and status == 400:
        message, params = N_("The request body is not valid JSON."), {}
        code = "bad_request.invalid_json"
    return problem_response(status, problem_title(status), translate(message, params),
                            code=code, params=params, errors=errors, headers=headers)


def handle_domain_error(error: DomainError) -> Response:
    return problem_response(error.status, error.translated_title, error.detail,
                            code=error.code, params=error.params,
                            errors=error.field_errors(), extra=error.extra,
                            headers=error.headers)


def handle_integrity_error(error: IntegrityError) -> Response:
    # A unique or foreign-key constraint caught what a service check could not see
    # (typically two concurrent requests); the client may retry after re-reading.
    db.session.rollback()
    logger.info("integrity error turned into 409: %s", error.orig)
    return problem_response(409, problem_title(409),
                            _("The change conflicts with existing data (a duplicate or a "
                              "reference to something that does not exist)."),
                            code="conflict.integrity")


def handle_unexpected_error(error: Exception) -> Response:
    db.session.rollback()
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, problem_title(500),
                            _("An unexpected error occurred; it has been logged."),
                            code="internal_error")
