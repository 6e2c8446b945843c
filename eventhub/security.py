"""Request hardening: request ids, secure headers, CORS (closed unless configured),
shared rate limits, and logs that never carry secrets."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, render_template, request
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from eventhub.audit.models import RateLimitBucket
from eventhub.errors import problem_response, problem_title
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_, _, translate
from eventhub.schemas import is_unstorable, unstorable_text_paths

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECRETS = (
    (re.compile(r"(/rsvp/)[^/\s?\"]+"), r"\1[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"(?i)(\"?password\"?\s*[:=]\s*\"?)[^\s\",}]+"), r"\1[redacted]"),
)
_DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
             "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
             "frame-ancestors 'none'; base-uri 'none'")
_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
access_log = logging.getLogger("eventhub.access")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Removes invitation tokens, bearer tokens and passwords from every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in ("request_id", "method", "path", "status", "duration_ms", "remote_addr"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_eventhub", False):
            root.removeHandler(existing)
    handler._eventhub = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # The development server's own access lines would repeat paths unredacted.
    logging.getLogger("werkzeug").addFilter(RedactingFilter())


def _limit(spec: str) -> tuple[int, int]:
    count, _, seconds = spec.partition("/")
    return int(count), int(seconds)


def hit(key: str, spec: str) -> int | None:
    """Count one request in the key's window; returns seconds to wait when over the limit.

    A window opens at the key's first request rather than on the clock's boundaries, so
    nobody gets twice the allowance by straddling one. Counted on a connection of its
    own, so a refused login still counts."""
    allowed, window = _limit(spec)
    now = utcnow()
    table = RateLimitBucket.__table__
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    with db.engine.begin() as conn:
        conn.execute(update(table)
                     .where(table.c.key == key,
                            table.c.window_start <= now - dt.timedelta(seconds=window))
                     .values(window_start=now, hits=0))
        statement = insert(table).values(key=key, window_start=now, hits=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"hits": table.c.hits + 1})
        conn.execute(statement)
        bucket = conn.execute(table.select().where(table.c.key == key)).one()
    if bucket.hits > allowed:
        elapsed = (now - bucket.window_start).total_seconds()
        return max(1, int(window - elapsed + 0.999))
    return None


# Requests that check a password: signing in, and changing one's own password (which asks
# for the current one, so a stolen session could otherwise guess it without limit).
_PASSWORD_CHECKS = {("POST", "/api/v1/auth/token"), ("POST", "/login"),
                    ("PUT", "/api/v1/auth/me/password"), ("POST", "/account/password")}


def _rate_limited_key() -> tuple[str, str] | None:
    config = current_app.config
    if (request.method, request.path) in _PASSWORD_CHECKS:
        return f"login:{request.remote_addr}", config["EVENTHUB_RATE_LIMIT_LOGIN"]
    if request.path.startswith(("/api/v1/rsvp/", "/rsvp/")):
        return f"link:{request.remote_addr}", config["EVENTHUB_RATE_LIMIT_TOKEN_LINK"]
    return None


def _refuse_unstorable_text() -> Response | None:
    """No text anyone sends may hold a character that cannot be stored (NUL, unpaired
    surrogates): it would fail in the database with a server error, and no name, title or
    sentence needs one. JSON too deeply nested to parse is refused here as well."""
    api = request.path.startswith("/api/")
    if is_unstorable(request.path):
        if api:
            return problem_response(404, problem_title(404),
                                    _("There is nothing at this address."), code="not_found")
        return _page(404, _("Page not found"), _("There is no page at this address."))
    errors = [{"field": key, "location": "query"}
              for key, value in request.args.items(multi=True)
              if is_unstorable(key) or is_unstorable(value)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        errors += [{"field": key, "location": "form"}
                   for key, value in request.form.items(multi=True)
                   if is_unstorable(key) or is_unstorable(value)]
    elif request.is_json and (request.content_length or 0) <= (
            current_app.config["MAX_CONTENT_LENGTH"] or 0):
        # A larger body is refused (413) unless its view raises the limit (the archive
        # import, which checks its bundle itself).
        try:
            document = request.get_json(silent=True)
        except RecursionError:
            return problem_response(400, problem_title(400),
                                    _("The JSON body is nested too deeply."),
                                    code="bad_request.json_too_deep")
        errors += [{"field": path or "_body", "location": "json"}
                   for path in unstorable_text_paths(document)]
    if not errors:
        return None
    if not api:
        return _page(400, _("Bad input"), _("The form contains NUL characters (U+0000) or "
                                            "unpaired surrogates (U+D800 to U+DFFF): remove "
                                            "them and send it again."))
    message = translate(UNSTORABLE_MESSAGE)
    return problem_response(422, problem_title(422), message,
                            code="validation.unstorable_text",
                            errors=[{**error, "message": message,
                                     "code": "validation.unstorable_text"}
                                    for error in errors])


UNSTORABLE_MESSAGE = N_("Must not contain NUL characters (U+0000) or unpaired surrogates "
                        "(U+D800 to U+DFFF).")


def _page(status: int, title: str, detail: str) -> Response:
    page = render_template("error.html", status=status, title=title, detail=detail)
    return Response(page, status=status, mimetype="text/html")


def install(app: Flask) -> None:
    settings = {key[len("EVENTHUB_"):]: value for key, value in app.config.items()
                if key.startswith("EVENTHUB_")}
    origins = {o.strip() for o in settings["CORS_ORIGINS"].split(",") if o.strip()}
    production = settings["ENV"] == "production"

    @app.before_request
    def start_request() -> Response | None:
        g.started = time.perf_counter()
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        if request.method == "OPTIONS" and request.headers.get("Origin"):
            return _preflight(origins)
        limited = _rate_limited_key()
        if limited is not None:
            retry_after = hit(*limited)
            if retry_after is not None:
                return _too_many(retry_after)
        return _refuse_unstorable_text()

    @app.after_request
    def secure_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Request-ID"] = g.get("request_id", "")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        docs = request.path.startswith("/api/docs")
        headers.setdefault("Content-Security-Policy", _DOCS_CSP if docs else _API_CSP)
        if request.headers.get("Authorization") or request.path.startswith("/api/v1/rsvp/"):
            headers["Cache-Control"] = "no-store"
        if production:
            headers.setdefault("Strict-Transport-Security",
                               "max-age=31536000; includeSubDomains")
        origin = request.headers.get("Origin")
        if origin and origin in origins:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
            headers["Access-Control-Expose-Headers"] = "ETag, X-Pagination, X-Request-ID"
        duration = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.info("%s %s %s", request.method, redact(request.path), response.status_code,
                        extra={"request_id": g.get("request_id"), "method": request.method,
                               "path": redact(request.path), "status": response.status_code,
                               "duration_ms": round(duration, 1),
                               "remote_addr": request.remote_addr})
        return response


def _too_many(retry_after: int) -> Response:
    headers = {"Retry-After": str(retry_after)}
    if request.path.startswith("/api/"):
        return problem_response(429, problem_title(429),
                                _("Too many attempts; wait before trying again."),
                                code="rate_limited", params={"retry_after": retry_after},
                                headers=headers)
    # A person at the sign-in page or an invitation link reads a page, not JSON.
    response = _page(429, _("Too many attempts"),
                     _("Please wait %(seconds)s seconds and try again.", seconds=retry_after))
    response.headers.update(headers)
    return response


def _preflight(origins: set[str]) -> Response:
    origin = request.headers["Origin"]
    if origin not in origins:
        # CORS is closed unless the origin is configured: no allow headers at all.
        return Response(status=204)
    return Response(status=204, headers={
        "Access-Control-Allow-Origin": origin, "Vary": "Origin",
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match, "
                                        "Idempotency-Key, X-Request-ID",
        "Access-Control-Max-Age": "600"})
