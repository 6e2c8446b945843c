"""Shared extension objects; bound to an app in create_app()."""

from __future__ import annotations

import datetime as dt
import sqlite3

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase, registry

# A fixed naming convention gives every constraint a predictable name, which Alembic
# needs to alter or drop constraints on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every database.

    SQLite has no time zone support and returns naive values; normalising here means the
    rest of the code only ever sees aware UTC datetimes, whichever database runs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


@event.listens_for(Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    # SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if dbapi_connection.isolation_level is None:
            # Our own engine (see below): readers never wait for the writer, nor the
            # writer's commit for readers. The mode is stored in the database file.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


# SQLite transactions --------------------------------------------------------------------
#
# SQLite has no row locks: SELECT ... FOR UPDATE compiles to a plain SELECT. Left to
# pysqlite (its "legacy transaction control"), a transaction begins only at the first
# INSERT, UPDATE or DELETE, so a request that counts seats and then inserts reads without
# any lock, and concurrent requests all see the last free seat. As SQLAlchemy's SQLite
# documentation describes ("Using SQLAlchemy to emit BEGIN in lieu of SQLite's
# transaction control"), the app's engine opens its connections with pysqlite's
# transaction handling switched off (isolation_level=None in connect_args, see
# eventhub/__init__.py) and EventHub emits BEGIN itself, here, as BEGIN IMMEDIATE: the
# transaction holds SQLite's single write lock from that statement until it ends.
#
# Unlike the documentation's recipe, which emits BEGIN from the "begin" event, BEGIN is
# emitted before the first statement that needs it: the first INSERT, UPDATE, DELETE,
# REPLACE or SAVEPOINT, or the first SELECT ... FOR UPDATE, which therefore means on
# SQLite what it means on PostgreSQL (nobody else changes what we read until we commit),
# only for the whole database rather than for rows. Reads before it see the latest
# committed data, as each statement does on PostgreSQL (READ COMMITTED), and do not hold
# the write lock, so readers never queue behind writers. A transaction that begins with
# the write lock never has to upgrade a read lock, so it cannot fail with "database is
# locked" halfway: it waits for the lock up to the busy timeout (30 s), and a request
# still waiting then gets 409 with Retry-After, as a registration that waits too long for
# its edition's row lock does on PostgreSQL. Statements before BEGIN (PRAGMAs such as the
# migrations' foreign_keys=OFF, which SQLite ignores inside a transaction) run outside any
# transaction, as they did under pysqlite.

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")
BUSY_RETRY_AFTER = "2"
DATABASE_BUSY = "database.busy"


def _needs_write_lock(statement: str, context) -> bool:
    if statement.lstrip()[:9].upper().startswith(_WRITES):
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


@event.listens_for(Engine, "before_cursor_execute")
def _begin_sqlite_transaction(conn, cursor, statement, parameters, context,
                              executemany) -> None:
    dbapi_connection = cursor.connection
    if (not isinstance(dbapi_connection, sqlite3.Connection)
            or dbapi_connection.isolation_level is not None  # pysqlite's own handling
            or dbapi_connection.in_transaction or not conn.in_transaction()
            or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            or not _needs_write_lock(statement, context)):
        return
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        from eventhub.errors import Conflict
        from eventhub.i18n import N_

        raise Conflict(N_("Other changes are being saved; please retry shortly."),
                       code=DATABASE_BUSY, headers={"Retry-After": BUSY_RETRY_AFTER}) from exc


# PostgreSQL lock waits -------------------------------------------------------------------
#
# Every app connection waits at most REGISTRATION_LOCK_TIMEOUT_MS for a row lock: the
# setting is sent once, when the connection opens (instead of a SET LOCAL round trip in
# every registration), and a statement that waits longer fails with lock_not_available,
# answered 409 with Retry-After like SQLite's busy timeout above. A registration names
# the edition that is busy (registrations.service.Busy).

LOCK_NOT_AVAILABLE = "55P03"


def connection_lock_timeout_option(milliseconds: int) -> str:
    """libpq's `options` for the app's PostgreSQL connections."""
    return f"-c lock_timeout={int(milliseconds)}"


@event.listens_for(Engine, "handle_error")
def _lock_wait_timeout(context) -> Exception | None:
    if getattr(context.original_exception, "sqlstate", None) != LOCK_NOT_AVAILABLE:
        return None
    # The transaction is aborted; the request's end rolls it back.
    from eventhub.errors import Conflict
    from eventhub.i18n import N_

    return Conflict(N_("Other changes are being saved; please retry shortly."),
                    code=DATABASE_BUSY, headers={"Retry-After": BUSY_RETRY_AFTER})


def guard(name: str) -> bool:
    """Whether a concurrency guard is on: a lock that keeps a limit under concurrent
    requests (see GUARDS). Always on, except in the control runs of the concurrency
    tests, which switch one off (app.config["EVENTHUB_GUARDS_OFF"], a set of names) to
    prove that the test catches its absence. "seats" also follows the CAPACITY_GUARD
    setting, which production refuses to switch off."""
    from flask import current_app

    if name not in GUARDS:
        raise KeyError(name)
    config = current_app.config
    if name == "seats" and not config["EVENTHUB_CAPACITY_GUARD"]:
        return False
    return name not in config.get("EVENTHUB_GUARDS_OFF", ())


GUARDS = {
    "seats": "the edition row, while seats are counted (registrations)",
    "places": "the programme item, while a session's places are counted (sign-ups)",
    "clashes": "the person, while their other sessions are checked for overlaps",
    "quota": "the invitation, while its delegation is set within the quota",
    "statements": "the statement, while a new revision is based on the latest one",
    "outbox": "the outbox message, claimed (pending -> sending) before it is sent",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={dt.datetime: UTCDateTime()})


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
