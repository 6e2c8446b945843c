"""Writes an audit entry for every row a flush inserts, updates or deletes.

Personal and secret values never enter the trail: for those columns the entry says that
the field changed, not what it held, so anonymizing an edition leaves nothing behind here
and a leaked trail reveals no contact details, passport data or tokens.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

from flask import g, has_app_context, has_request_context
from sqlalchemy import event, insert, inspect, text
from sqlalchemy.orm import Session

from eventhub.audit.models import AuditEntry, RateLimitBucket
from eventhub.extensions import utcnow

HIDDEN = "[personal or secret: not recorded]"
_NOT_AUDITED = {"audit_entries", "rate_limit_buckets", "idempotent_requests",
                "outbox_messages"}
_PRIVATE_COLUMNS = {
    "users": {"password_hash", "email"},
    "api_tokens": {"token_digest"},
    "invitations": {"token_nonce", "token_digest", "focal_point_name", "focal_point_email"},
    "people": {"full_name", "honorific", "position", "email", "phone"},
    "snapshot_people": {"full_name", "honorific", "position"},
    "registrations": {"dietary", "accessibility", "badge_code"},
    "visa_requests": {"passport_number_encrypted", "nationality_encrypted",
                      "date_of_birth_encrypted", "passport_expiry_encrypted"},
    "credential_documents": {"content", "filename"},
}
# Rows without an edition_id column reach their edition through a parent row.
_EDITION_VIA = {
    "speeches": ("item_id", "programme_items"),
    "session_signups": ("item_id", "programme_items"),
    "statement_revisions": ("statement_id", "statements"),
    "statement_comments": ("statement_id", "statements"),
    "statement_suggestions": ("statement_id", "statements"),
    "credential_documents": ("delegation_id", "delegations"),
    "visa_requests": ("registration_id", "registrations"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _actor() -> tuple[int | None, str, str | None]:
    if has_request_context():
        actor = g.get("actor")
        request_id = g.get("request_id")
        if actor is not None:
            return actor.user_id, actor.label, request_id
        return None, "anonymous (token link or public)", request_id
    if has_app_context() and g.get("actor") is not None:
        return g.actor.user_id, g.actor.label, None
    return None, "system", None


def _changes(obj: Any, table: str, action: str) -> dict[str, Any]:
    state = inspect(obj)
    private = _PRIVATE_COLUMNS.get(table, set())
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        name = attr.key
        if action == "insert":
            # A new row has no history worth computing: its values are the change.
            value = getattr(obj, name)
            if value is None:
                continue
            changes[name] = {"after": HIDDEN if name in private else _plain(value)}
            continue
        history = state.attrs[name].history
        if action == "delete":
            value = (history.unchanged or history.deleted or [None])[0]
            changes[name] = {"before": HIDDEN if name in private else _plain(value)}
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            changes[name] = ({"before": HIDDEN, "after": HIDDEN} if name in private
                             else {"before": _plain(before), "after": _plain(after)})
    return changes


def _edition_id(session: Session, obj: Any, table: str) -> int | None:
    if table == "editions":
        return obj.id
    if hasattr(obj, "edition_id"):
        return obj.edition_id
    via = _EDITION_VIA.get(table)
    if via is None:
        return None
    parent_id = getattr(obj, via[0], None)
    if parent_id is None:
        return None
    return session.connection().execute(
        text(f"SELECT edition_id FROM {via[1]} WHERE id = :id"), {"id": parent_id}
    ).scalar()


def _record(session: Session, flush_context) -> None:
    rows = []
    user_id, label, request_id = _actor()
    now = utcnow()
    for action, objects in (("insert", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in _NOT_AUDITED or isinstance(
                    obj, AuditEntry | RateLimitBucket):
                continue
            changes = _changes(obj, table, action)
            if action == "update" and not changes:
                continue
            # New rows have no identity key yet in after_flush, but their primary key
            # values are already set.
            identity = inspect(obj).mapper.primary_key_from_instance(obj)
            rows.append({"at": now, "actor_user_id": user_id, "actor_label": label,
                         "request_id": request_id, "action": action, "table_name": table,
                         "object_id": ",".join(str(v) for v in identity),
                         "edition_id": _edition_id(session, obj, table),
                         "changes": changes})
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def install() -> None:
    if not event.contains(Session, "after_flush", _record):
        event.listen(Session, "after_flush", _record)
