"""Writes an audit entry for every row a flush inserts, updates or deletes, and for every
row a bulk UPDATE or DELETE run through the session changes.

Personal and secret values never enter the trail: for those columns the entry says that
the field changed, not what it held, so anonymizing an edition leaves nothing behind here
and a leaked trail reveals no contact details, passport data or tokens.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Callable
from typing import Any

from flask import g, has_app_context, has_request_context
from sqlalchemy import Connection, Result, Table, event, insert, inspect, select, text, tuple_
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from eventhub.audit.models import AuditEntry, RateLimitBucket
from eventhub.extensions import Base, utcnow

HIDDEN = "[personal or secret: not recorded]"
# Bookkeeping rather than records: the trail itself, rate-limit counters, remembered
# responses for Idempotency-Key retries, the mail outbox (its sending state) and the
# background worker's heartbeats and job times.
_NOT_AUDITED = {"audit_entries", "rate_limit_buckets", "idempotent_requests",
                "outbox_messages", "worker_heartbeats", "scheduled_jobs"}
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


def _columns(mapper: Any, table: str) -> dict[str, tuple[str, bool]]:
    """The mapper's column attributes: key -> (the table's column name, private). Entries
    name the table's columns, whatever the mapped attribute is called, as the entries of
    bulk statements (which see only the table) do."""
    columns = _COLUMNS.get(mapper)
    if columns is None:
        private = _PRIVATE_COLUMNS.get(table, set())
        columns = _COLUMNS[mapper] = {
            attr.key: (attr.columns[0].name, attr.columns[0].name in private)
            for attr in mapper.column_attrs}
    return columns


_COLUMNS: dict[Any, dict[str, tuple[str, bool]]] = {}


def _changes(obj: Any, table: str, action: str) -> dict[str, Any]:
    state = inspect(obj)
    columns = _columns(state.mapper, table)
    changes: dict[str, Any] = {}
    if action == "insert":
        # A new row has no history worth computing: its values are the change.
        for key, (name, private) in columns.items():
            value = getattr(obj, key)
            if value is not None:
                changes[name] = {"after": HIDDEN if private else _plain(value)}
        return changes
    if action == "delete":
        for key, (name, private) in columns.items():
            history = state.attrs[key].history
            value = (history.unchanged or history.deleted or [None])[0]
            changes[name] = {"before": HIDDEN if private else _plain(value)}
        return changes
    # An update: only the attributes set since the row was loaded (committed_state) can
    # have changed; the others' history is not computed at all.
    for key in [key for key in state.committed_state if key in columns]:
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        name, private = columns[key]
        changes[name] = ({"before": HIDDEN, "after": HIDDEN} if private
                         else {"before": _plain(before), "after": _plain(after)})
    return changes


def _edition_id(connection: Connection, table: Table, value: Callable[[str], Any]
                ) -> int | None:
    """The edition a row belongs to; `value` reads one of the row's columns."""
    if table.name == "editions":
        return value("id")
    if "edition_id" in table.c:
        return value("edition_id")
    via = _EDITION_VIA.get(table.name)
    if via is None:
        return None
    parent_id = value(via[0])
    if parent_id is None:
        return None
    return connection.execute(
        text(f"SELECT edition_id FROM {via[1]} WHERE id = :id"), {"id": parent_id}
    ).scalar()


def _deleted(session: Session, flush_context: UOWTransaction) -> list[Any]:
    """What the flush deleted: session.deleted, and the orphans a delete-orphan cascade
    removed (e.g. `registration.visa_request = None`), which the flush adds itself and
    session.deleted never lists."""
    deleted = list(session.deleted)
    listed = set(map(id, deleted))
    for state, (is_delete, list_only) in flush_context.states.items():
        obj = state.obj()
        if is_delete and not list_only and obj is not None and id(obj) not in listed:
            deleted.append(obj)
    return deleted


def _entry(connection: Connection, obj: Any, action: str, now: dt.datetime,
           actor: tuple[int | None, str, str | None]) -> dict[str, Any] | None:
    """The audit row for what `action` did to `obj` (None: not audited, or an update
    that changed nothing)."""
    table = getattr(obj, "__tablename__", None)
    if table is None or table in _NOT_AUDITED or isinstance(obj, AuditEntry | RateLimitBucket):
        return None
    changes = _changes(obj, table, action)
    if action == "update" and not changes:
        return None
    # New rows have no identity key yet in after_flush, but their primary key values are
    # already set.
    mapper = inspect(obj).mapper
    identity = mapper.primary_key_from_instance(obj)
    user_id, label, request_id = actor
    return {"at": now, "actor_user_id": user_id, "actor_label": label,
            "request_id": request_id, "action": action, "table_name": table,
            "object_id": ",".join(str(v) for v in identity),
            "edition_id": _edition_id(connection, mapper.local_table,
                                      lambda name: getattr(obj, name, None)),
            "changes": changes}


def _record(session: Session, flush_context: UOWTransaction) -> None:
    rows = []
    actor = _actor()
    now = utcnow()
    connection = session.connection()
    for action, objects in (("insert", session.new), ("update", session.dirty),
                            ("delete", _deleted(session, flush_context))):
        for obj in objects:
            if (row := _entry(connection, obj, action, now, actor)) is not None:
                rows.append(row)
    if rows:
        connection.execute(_INSERT_ENTRIES, rows)


_INSERT_ENTRIES = insert(AuditEntry.__table__)


def record_inserted(session: Session, objects: list[Any]) -> None:
    """Entries for rows a service inserted with its own INSERT statements (not through a
    flush, which records them itself), as a flush would have written them: `objects`
    hold every column's value as inserted."""
    actor = _actor()
    now = utcnow()
    connection = session.connection()
    rows = [row for obj in objects
            if (row := _entry(connection, obj, "insert", now, actor)) is not None]
    if rows:
        connection.execute(_INSERT_ENTRIES, rows)


def _audited_table(statement: Any) -> Table | None:
    name = getattr(getattr(statement, "table", None), "name", None)
    if name is None or name in _NOT_AUDITED:
        return None
    return Base.metadata.tables.get(name)


def _key_in(columns: list[Any], keys: list[tuple]) -> Any:
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return tuple_(*columns).in_(keys)


def _record_bulk(state: ORMExecuteState) -> Result | None:
    """Entries for the rows a bulk UPDATE or DELETE run through the session changes: the
    flush never sees them (anonymization clears and removes rows this way).

    The rows the statement's WHERE matches are read first (locked on PostgreSQL), the
    statement then runs restricted to exactly those rows, so that a row that starts to
    match meanwhile cannot change unrecorded, and each row gets an entry: for an update
    the columns whose values differ afterwards, for a delete every column. Bulk INSERTs
    are not taken here: the app adds rows through the unit of work, and the audit walk
    test fails if a route ever writes one another way."""
    if not (state.is_update or state.is_delete):
        return None
    statement = state.statement
    table = _audited_table(statement)
    if table is None:
        return None
    connection = state.session.connection()
    key = list(table.primary_key.columns)
    stated_key = [statement.table.c[column.name] for column in key]
    many = isinstance(state.parameters, list)
    matching = select(table)
    if many:
        # An ORM "bulk UPDATE by primary key": the rows are named in the parameters.
        matching = matching.where(_key_in(key, [tuple(row[column.name] for column in key)
                                                for row in state.parameters]))
    elif statement.whereclause is not None:
        matching = matching.where(statement.whereclause)
    before = {tuple(row[c.name] for c in key): row
              for row in connection.execute(matching.with_for_update()).mappings()}
    if not many:
        statement = statement.where(_key_in(stated_key, list(before)))
    result = state.invoke_statement(statement=statement)
    if not before:
        return result
    action = "update" if state.is_update else "delete"
    after: dict[tuple, Any] = {}
    if action == "update":
        after = {tuple(row[c.name] for c in key): row for row in connection.execute(
            select(table).where(_key_in(key, list(before)))).mappings()}
    user_id, label, request_id = _actor()
    now = utcnow()
    private = _PRIVATE_COLUMNS.get(table.name, set())
    entries = []
    for identity, old in before.items():
        new = after.get(identity)
        if action == "delete":
            changes = {name: {"before": HIDDEN if name in private else _plain(value)}
                       for name, value in old.items()}
        elif new is None:
            continue
        else:
            changes = {name: ({"before": HIDDEN, "after": HIDDEN} if name in private
                              else {"before": _plain(old[name]), "after": _plain(new[name])})
                       for name in old if old[name] != new[name]}
            if not changes:
                continue
        current = new if new is not None else old
        entries.append({"at": now, "actor_user_id": user_id, "actor_label": label,
                        "request_id": request_id, "action": action,
                        "table_name": table.name,
                        "object_id": ",".join(str(v) for v in identity),
                        "edition_id": _edition_id(connection, table, current.get),
                        "changes": changes})
    if entries:
        connection.execute(insert(AuditEntry.__table__), entries)
    return result


def install() -> None:
    if not event.contains(Session, "after_flush", _record):
        event.listen(Session, "after_flush", _record)
    if not event.contains(Session, "do_orm_execute", _record_bulk):
        event.listen(Session, "do_orm_execute", _record_bulk)
