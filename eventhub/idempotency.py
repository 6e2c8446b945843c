"""Idempotency-Key support for POSTs that create things (registrations, invitation sends).

The response to the first request with a key is stored in the same transaction as the
change it made, so either both are committed or neither. A retry with the same key and
body gets the stored response and changes nothing; the same key with another body is 422.
Two simultaneous first requests with one key collide on the unique (scope, key) index: one
commits, the other rolls back with 409.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import Response, make_response, request
from sqlalchemy import bindparam, insert, select

from eventhub.errors import Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.registrations.models import IdempotentRequest

HEADER = "Idempotency-Key"
_TABLE = IdempotentRequest.__table__
_LOOKUP = (select(_TABLE.c.request_digest, _TABLE.c.response_status, _TABLE.c.response_body)
           .where(_TABLE.c.scope == bindparam("scope"), _TABLE.c.key == bindparam("key")))


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
            raise Unprocessable(f"{HEADER} is longer than 200 characters.",
                                errors=[{"field": HEADER, "location": "headers",
                                         "message": "At most 200 characters."}])
        scope = _scope()
        digest = _request_digest()
        stored = db.session.execute(_LOOKUP, {"scope": scope, "key": key}).first()
        if stored is not None:
            if stored.request_digest != digest:
                raise Unprocessable(
                    f"This {HEADER} was already used with a different request body.",
                    errors=[{"field": HEADER, "location": "headers",
                             "message": "Reused with a different body."}])
            replay = Response(stored.response_body, status=stored.response_status,
                              mimetype="application/json")
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            # A plain INSERT (the table is not audited): no unit of work to run while a
            # registration still holds its edition's lock.
            db.session.execute(insert(_TABLE).values(
                scope=scope, key=key, request_digest=digest,
                response_status=response.status_code,
                response_body=response.get_data(as_text=True), created_at=utcnow()))
        return response

    return wrapper
