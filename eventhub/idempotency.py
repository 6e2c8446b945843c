"""Idempotency-Key support for POSTs that create things (registrations, invitation sends).

The response to the first request with a key is stored in the same transaction as the
change it made, so either both are committed or neither. A retry with the same key and
body gets the stored response and changes nothing; the same key with another body is 422.

A request first claims its key for the length of its transaction. On PostgreSQL the claim
is a transaction-level advisory lock, taken without waiting: a request whose key is held
by one still running gets 409 with `code` "idempotency.in_progress" and Retry-After, and
a retry once the first has finished replays its answer. On SQLite the claim is the row
itself, written first: writers queue on the database, so a simultaneous request waits for
the first to finish and replays its answer (it gets the same 409 only if the database
stays locked past its busy timeout).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import Response, make_response, request
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError

from eventhub.errors import Conflict, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_
from eventhub.registrations.models import IdempotentRequest

HEADER = "Idempotency-Key"
IN_PROGRESS_CODE = "idempotency.in_progress"
RETRY_AFTER_SECONDS = 1
_TABLE = IdempotentRequest.__table__
_LOOKUP = (select(_TABLE.c.request_digest, _TABLE.c.response_status, _TABLE.c.response_body)
           .where(_TABLE.c.scope == bindparam("scope"), _TABLE.c.key == bindparam("key")))
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:lock_key)")
# The remembered response, written with its request's change (the statements are built
# once; the values come as parameters).
_RECORD = insert(_TABLE)
_FILL = update(_TABLE).where(_TABLE.c.scope == bindparam("claimed_scope"),
                             _TABLE.c.key == bindparam("claimed_key"))
# The status of a claimed row on SQLite until the response is known; never committed.
_CLAIMED = 0


class InProgress(Conflict):
    """Another request with the same key has not finished yet."""

    title = N_("Request in progress")
    default_code = IN_PROGRESS_CODE

    def __init__(self) -> None:
        # The code was once an extra member; it is the problem's own `code` now.
        super().__init__(
            N_("A request with this %(header)s is still in progress; retry after "
               "%(seconds)s s to get its answer."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            header=HEADER, seconds=RETRY_AFTER_SECONDS)


def lock_key(scope: str, key: str) -> int:
    """The advisory lock (a signed 64-bit number) that claims a key on PostgreSQL."""
    digest = hashlib.sha256(f"idempotency\n{scope}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _claim(scope: str, key: str, digest: str) -> bool:
    """Hold the key until the transaction ends, or raise InProgress. True when the claim
    wrote the (placeholder) row that the response will fill in."""
    if db.session.get_bind().dialect.name == "postgresql":
        if not db.session.execute(_TRY_LOCK, {"lock_key": lock_key(scope, key)}).scalar():
            raise InProgress()
        return False
    try:
        claimed = db.session.execute(
            sqlite.insert(_TABLE).values(
                scope=scope, key=key, request_digest=digest, response_status=_CLAIMED,
                response_body="", created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["scope", "key"]))
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        # Still locked after the busy timeout (or a deadlock SQLite refused to wait out).
        db.session.rollback()
        raise InProgress() from exc
    return claimed.rowcount == 1


def _scope() -> str:
    from eventhub.http import bearer_token, current_actor

    actor = current_actor()
    if actor.user_id is not None:
        who = f"user:{actor.user_id}"
    else:
        # Token-authenticated focal points: the route carries the token; key on its hash.
        who = "anon:" + hashlib.sha256((bearer_token() or "").encode()).hexdigest()[:16]
    path = hashlib.sha256(request.path.encode()).hexdigest()[:32]
    # The edition is named so that anonymizing it can forget its remembered responses.
    edition = (request.view_args or {}).get("slug")
    return f"{who} {request.method} {path}" + (f" edition:{edition}" if edition else "")


def _request_digest() -> str:
    """What makes two requests "the same": the body, or for a multipart upload its fields
    and file contents (each upload picks a new random boundary)."""
    if request.mimetype == "multipart/form-data":
        digest = hashlib.sha256()
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"field {name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            content = upload.read()
            upload.seek(0)
            digest.update(f"file {name} {upload.filename} ".encode())
            digest.update(hashlib.sha256(content).digest())
        return digest.hexdigest()
    return hashlib.sha256(request.get_data()).hexdigest()


def idempotent(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 200:
            raise Unprocessable(N_("%(header)s is longer than %(max)s characters."),
                                code="idempotency.key_too_long",
                                errors=[{"field": HEADER, "location": "headers",
                                         "message": N_("At most %(max)s characters."),
                                         "code": "idempotency.key_too_long",
                                         "params": {"max": 200}}],
                                header=HEADER, max=200)
        scope = _scope()
        digest = _request_digest()
        claimed = _claim(scope, key, digest)
        stored = None if claimed else db.session.execute(
            _LOOKUP, {"scope": scope, "key": key}).first()
        if stored is not None:
            if stored.response_status == _CLAIMED:
                raise InProgress()
            if stored.request_digest != digest:
                raise Unprocessable(
                    N_("This %(header)s was already used with a different request body."),
                    code="idempotency.key_reused",
                    errors=[{"field": HEADER, "location": "headers",
                             "message": N_("Reused with a different body."),
                             "code": "idempotency.key_reused"}],
                    header=HEADER)
            replay = Response(stored.response_body, status=stored.response_status,
                              mimetype="application/json")
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            # Plain statements (the table is not audited): no unit of work to run while a
            # registration still holds its edition's lock.
            values = {"request_digest": digest, "response_status": response.status_code,
                      "response_body": response.get_data(as_text=True),
                      "created_at": utcnow()}
            filled = claimed and db.session.execute(
                _FILL, {"claimed_scope": scope, "claimed_key": key, **values}).rowcount == 1
            if not filled:  # nothing claimed (PostgreSQL), or a view rolled the claim back
                db.session.execute(_RECORD, {"scope": scope, "key": key, **values})
        return response

    return wrapper
