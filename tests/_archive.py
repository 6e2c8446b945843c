"""Database peeks and a second, empty instance for the archive tests (no fixtures here:
see conftest). Everything is read straight from the database, so a change the API does
not show still counts as a change."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from eventhub import create_app
from eventhub.extensions import db

# Bookkeeping that every request may touch without changing any data: the counters of
# the rate limiter (token links are counted per caller address).
BOOKKEEPING_TABLES = frozenset({"rate_limit_buckets"})


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value if value is None or isinstance(value, int | float | str | bool) else str(value)


def table_names(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(sa.inspect(db.engine).get_table_names())


def row_counts(app: Flask) -> dict[str, int]:
    """Rows per table, for every table the database has (not only the mapped ones)."""
    with app.app_context(), db.engine.connect() as conn:
        return {name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in sorted(sa.inspect(conn).get_table_names())}


_REFLECTED: dict[tuple[str, tuple[str, ...]], sa.MetaData] = {}


def _reflected(conn: sa.Connection) -> sa.MetaData:
    """Every table of the database, reflected once per database and set of tables: the
    tests that read a database's rows do not change its columns, and a migration that adds
    or drops a table is reflected anew."""
    names = tuple(sorted(sa.inspect(conn).get_table_names()))
    key = (conn.engine.url.render_as_string(hide_password=False), names)
    if key not in _REFLECTED:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        _REFLECTED[key] = metadata
    return _REFLECTED[key]


def database_state(app: Flask, *, skip: frozenset[str] = BOOKKEEPING_TABLES
                   ) -> dict[str, list[tuple]]:
    """Every row of every table, as sorted tuples of plain values."""
    with app.app_context(), db.engine.connect() as conn:
        metadata = _reflected(conn)
        state = {}
        for name, table in sorted(metadata.tables.items()):
            if name in skip:
                continue
            rows = [tuple(_plain(v) for v in row) for row in conn.execute(sa.select(table))]
            state[name] = sorted(rows, key=repr)
        return state


def differences(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    """Readable differences between two database_state() results (empty: no change)."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, [])), set(after.get(name, []))
        if old != new:
            found.append(f"{name}: {len(old - new)} row(s) gone or changed, "
                         f"{len(new - old)} row(s) new or changed, e.g. "
                         f"{sorted(new - old, key=repr)[:1] or sorted(old - new, key=repr)[:1]}")
    return found


def text_columns(app: Flask) -> list[tuple[str, str, bool]]:
    """(table, column, is_binary) for every column that can hold text or bytes."""
    columns = []
    with app.app_context(), db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        for table in sorted(inspector.get_table_names()):
            for column in inspector.get_columns(table):
                kind = column["type"]
                if isinstance(kind, sa.LargeBinary):
                    columns.append((table, column["name"], True))
                elif isinstance(kind, sa.String | sa.Text | sa.JSON) or "JSON" in repr(kind):
                    columns.append((table, column["name"], False))
    return columns


def find_values(app: Flask, needles: dict[str, str | bytes]) -> list[str]:
    """Where in the database (any text, JSON or binary column of any table) any of the
    needles still occurs, searched with SQL. Returns "label: table.column" findings."""
    found = []
    columns = text_columns(app)
    with app.app_context(), db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        for table, column, binary in columns:
            for label, needle in needles.items():
                if binary != isinstance(needle, bytes):
                    continue
                if binary:
                    if postgres:
                        sql = f'SELECT COUNT(*) FROM "{table}" WHERE position(:n in "{column}") > 0'
                    else:
                        sql = f'SELECT COUNT(*) FROM "{table}" WHERE instr("{column}", :n) > 0'
                else:
                    text = f'CAST("{column}" AS TEXT)'
                    sql = f'SELECT COUNT(*) FROM "{table}" WHERE {text} LIKE :n'
                    needle = f"%{needle}%"
                if conn.execute(sa.text(sql), {"n": needle}).scalar_one():
                    found.append(f"{label}: {table}.{column}")
    return found


# A second instance ---------------------------------------------------------------------

def _postgres_server_url() -> str | None:
    url = os.environ.get("EVENTHUB_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


# The migrated, empty database that each new instance starts as a copy of: made (migrated
# from scratch) once per test process, not once per instance. A copy of it is the same
# schema, byte for byte, that the migrations would write again.
_TEMPLATE: dict[str, str] = {}


def _migrated(url: str) -> None:
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def _sqlite_template() -> str:
    if "sqlite" not in _TEMPLATE:
        path = Path(tempfile.mkdtemp(prefix="eventhub-template-")) / "migrated.sqlite3"
        _migrated(f"sqlite:///{path}")
        _TEMPLATE["sqlite"] = str(path)
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
    return _TEMPLATE["sqlite"]


def _postgres_template(admin: sa.Engine, server_url: str) -> str:
    if "postgresql" not in _TEMPLATE:
        name = f"eventhub_template_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        _migrated(sa.make_url(server_url).set(database=name)
                  .render_as_string(hide_password=False))
        _TEMPLATE["postgresql"] = name

        def drop() -> None:
            engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()

        atexit.register(drop)
    return _TEMPLATE["postgresql"]


@contextmanager
def empty_instance(tmp_path: Path) -> Iterator[Flask]:
    """Another EventHub instance with an empty, migrated database of its own: a SQLite
    file, or a fresh PostgreSQL database when the suite runs on PostgreSQL. The database
    is a copy of one migrated from scratch once per test process (SQLite's backup, or
    PostgreSQL's CREATE DATABASE ... TEMPLATE)."""
    server_url = _postgres_server_url()
    admin = None
    name = None
    if server_url is None:
        path = tmp_path / f"other-{uuid.uuid4().hex[:8]}.sqlite3"
        with (closing(sqlite3.connect(_sqlite_template())) as template,
              closing(sqlite3.connect(path)) as copy):
            template.backup(copy)
        url = f"sqlite:///{path}"
    else:
        name = f"eventhub_other_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        template = _postgres_template(admin, server_url)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    other = create_app({"DATABASE_URL": url})
    other.config["TESTING"] = True
    try:
        with other.app_context():
            # Already at the head: a no-op that proves the copy is the migrated schema.
            upgrade()
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def export_text(app: Flask, slug: str, *, include_personal: bool = False) -> str:
    """The bundle file text, exported through the service as the CLI does."""
    from eventhub.archive.bundle import dumps, export_edition
    from eventhub.auth.permissions import SYSTEM

    with app.app_context():
        try:
            return dumps(export_edition(SYSTEM, slug, include_personal=include_personal))
        finally:
            db.session.rollback()


def import_text(app: Flask, text: str) -> str:
    """Import a bundle through the service and commit; returns the new edition's slug."""
    from eventhub.archive.bundle import import_bundle
    from eventhub.auth.permissions import SYSTEM

    with app.app_context():
        try:
            edition = import_bundle(SYSTEM, json.loads(text))
            db.session.commit()
            return edition.slug
        except Exception:
            db.session.rollback()
            raise


def without_export_time(text: str) -> str:
    """The bundle text with the one value that may differ between exports blanked: the
    file as the CLI writes it (one member a line), or as the API streams it (compact)."""
    document = json.loads(text)
    assert isinstance(document.get("exported_at"), str)
    if not text.startswith("{\n"):
        member = f'"exported_at":{json.dumps(document["exported_at"])}'
        assert text.count(member) == 1, "exactly one exported_at member"
        return text.replace(member, '"exported_at":""')
    lines = [line for line in text.splitlines(keepends=True)
             if not line.startswith('  "exported_at": ')]
    assert len(lines) == len(text.splitlines()) - 1, "exactly one exported_at line"
    return "".join(lines)
