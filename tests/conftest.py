"""Fixtures: a migrated database (SQLite file, or a fresh PostgreSQL database when
EVENTHUB_TEST_DATABASE_URL points at a server), an app, and API clients per role.

Tables are emptied after every test, so tests can commit for real (as concurrent and
CLI tests must) and still start from a clean database: only the tables that hold rows are
emptied (a DELETE each, which on PostgreSQL costs milliseconds where a TRUNCATE costs tens
of milliseconds per table), and the sequences used are reset, as TRUNCATE ... RESTART
IDENTITY did. The tables are read from the migrated database, so a new migration's tables
are covered without naming them here.

`seeded` runs `eventhub seed 2024` once per session (per xdist worker) into the empty
database and keeps the rows it wrote; later tests that ask for it get those rows back,
byte for byte, with the same ids and sequence positions.

The suite runs in parallel under pytest-xdist (scripts/test passes -n auto): each worker
has its own session, so its own SQLite file or PostgreSQL database.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from _openapi_check import ContractClient
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from eventhub import create_app
from eventhub.auth.models import Role
from eventhub.auth.permissions import SYSTEM
from eventhub.extensions import db

# A live server (also one for concurrency on PostgreSQL) and the real-browser fixtures.
pytest_plugins = ["_live_server", "_browser"]

SOURCE_FILE = (Path(__file__).resolve().parents[2] / "shared" / "sources"
               / "suzhou-2024-chairs-statement.txt")
PASSWORD = "correct horse battery"


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record) -> None:
    """Test databases need not reach the disk at each commit: SQLite's synchronous=OFF
    leaves what other connections see, and the locking, as they are; only a crash of the
    machine could lose the last commits (PostgreSQL: synchronous_commit=off, below)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def _postgres_server_url() -> str | None:
    url = os.environ.get("EVENTHUB_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    server_url = _postgres_server_url()
    if server_url is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'eventhub-test.sqlite3'}"
        return
    # A PostgreSQL run must really run on PostgreSQL: an unreachable server is an error,
    # never a silent skip.
    name = f"eventhub_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # A throwaway database need not wait for its WAL to reach the disk at each commit
        # (visibility and locking are unchanged; only a crash could lose the last commits).
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        for engine in list(_engines):
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_engines: list[sa.Engine] = []


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    # Rate limits are tested on their own (test_hardening); the suite logs in a lot.
    app = create_app({"DATABASE_URL": database_url, "TOKEN_TTL_SECONDS": 3600,
                      "RATE_LIMIT_LOGIN": "100000/60", "RATE_LIMIT_TOKEN_LINK": "100000/60",
                      # Cheap hashing keeps the many logins of the suite fast; production
                      # cost is the default in config/defaults.toml.
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})
    app.config["TESTING"] = True
    # Every /api/v1 response a test receives is checked against /api/openapi.json.
    app.test_client_class = ContractClient
    with app.app_context():
        upgrade()
        _engines.append(db.engine)
    yield app


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


class _Schema:
    """The migrated database's tables, parents before children (alembic_version aside)."""

    def __init__(self, engine: sa.Engine) -> None:
        present = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        ordered = [t.name for t in db.metadata.sorted_tables if t.name in present]
        # Tables a migration made that no model maps yet: emptied first, restored last.
        self.tables = ordered + sorted(present - set(ordered))
        self.postgres = engine.dialect.name == "postgresql"
        self._probe = sa.text(" UNION ALL ".join(
            f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")"
            for table in self.tables))

    def tables_with_rows(self, conn: sa.Connection) -> list[str]:
        filled = {row[0] for row in conn.execute(self._probe)}
        return [table for table in self.tables if table in filled]

    def used_sequences(self, conn: sa.Connection) -> dict[str, int]:
        """PostgreSQL sequences that handed out a value (name -> last value)."""
        if not self.postgres:
            return {}
        return dict(conn.execute(sa.text(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
            " WHERE last_value IS NOT NULL")).all())

    def is_empty(self, conn: sa.Connection) -> bool:
        return not self.tables_with_rows(conn) and not self.used_sequences(conn)

    def empty(self, conn: sa.Connection) -> None:
        """Delete every row, children first, and reset the sequences used."""
        filled = self.tables_with_rows(conn)
        if not self.postgres:
            # Rows of one table may point at each other (organization parents).
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in reversed(filled):
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            return
        if filled:
            try:
                with conn.begin_nested():
                    for table in reversed(filled):
                        conn.execute(sa.text(f'DELETE FROM "{table}"'))
            except sa.exc.IntegrityError:
                # Foreign keys that no order of deletes satisfies (a cycle between tables).
                quoted = ", ".join(f'"{table}"' for table in filled)
                conn.execute(sa.text(f"TRUNCATE {quoted} CASCADE"))
        conn.execute(sa.text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
            " FROM pg_sequences WHERE last_value IS NOT NULL"))


@pytest.fixture(scope="session")
def _schema(app: Flask) -> _Schema:
    with app.app_context():
        return _Schema(db.engine)


@pytest.fixture(autouse=True)
def _clean_database(request, app: Flask, _schema: _Schema) -> Iterator[None]:
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            _schema.empty(conn)


class _Snapshot:
    """The rows of every table that holds any, and the sequences' positions, as raw
    database values: PostgreSQL's COPY text, SQLite's stored values."""

    def __init__(self, schema: _Schema, conn: sa.Connection) -> None:
        self.schema = schema
        self.tables: list[tuple[str, object]] = []
        for table in schema.tables_with_rows(conn):
            if schema.postgres:
                cursor = conn.connection.driver_connection.cursor()
                with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                    data = b"".join(bytes(block) for block in copy)
                self.tables.append((table, data))
            else:
                # Stored columns only (a generated column takes no value).
                columns = [row[1] for row in conn.exec_driver_sql(
                    f'PRAGMA table_xinfo("{table}")') if row[6] == 0]
                names = ", ".join(f'"{c}"' for c in columns)
                rows = [tuple(r) for r in conn.exec_driver_sql(
                    f'SELECT {names} FROM "{table}"')]
                self.tables.append((table, (columns, rows)))
        self.sequences = schema.used_sequences(conn)

    def restore(self, conn: sa.Connection) -> None:
        if not self.schema.postgres:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for table, data in self.tables:
            if self.schema.postgres:
                cursor = conn.connection.driver_connection.cursor()
                with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(data)
            else:
                columns, rows = data
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" for _ in columns)
                conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        for sequence, value in self.sequences.items():
            conn.execute(sa.text("SELECT setval(CAST(:s AS regclass), :v, true)"),
                         {"s": sequence, "v": value})


@pytest.fixture(scope="session")
def _seed_snapshots() -> dict[str, _Snapshot]:
    return {}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous client (the public)."""
    return app.test_client()


def make_user(app: Flask, role: Role, email: str | None = None) -> str:
    """Create a user with the role through the service layer; return the e-mail."""
    from eventhub.auth.service import create_user

    email = email or f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
    with app.app_context():
        create_user(SYSTEM, email=email, name=f"Test {role.value}", role=role, password=PASSWORD)
        db.session.commit()
    return email


def login(app: Flask, email: str, password: str = PASSWORD) -> str:
    response = app.test_client().post("/api/v1/auth/token",
                                      json={"email": email, "password": password})
    assert response.status_code == 201, response.json
    return response.json["token"]


def client_for_role(app: Flask, role: Role) -> FlaskClient:
    token = login(app, make_user(app, role))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    return client_for_role(app, Role.ADMIN)


@pytest.fixture
def organizer_client(app: Flask) -> FlaskClient:
    return client_for_role(app, Role.ORGANIZER)


@pytest.fixture
def secretariat_client(app: Flask) -> FlaskClient:
    return client_for_role(app, Role.SECRETARIAT)


@pytest.fixture
def viewer_client(app: Flask) -> FlaskClient:
    return client_for_role(app, Role.VIEWER)


@pytest.fixture
def cli(app: Flask):
    """Invoke `eventhub` commands in-process against the test database."""
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(args=list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def seeded(app: Flask, cli, _schema: _Schema, _seed_snapshots: dict[str, _Snapshot]) -> None:
    """The 2024 reference record, loaded through `eventhub seed 2024`.

    The command runs for real the first time (per session) it finds the database empty;
    the rows it wrote are kept, and later tests starting from an empty database get them
    back as they were. On a database that already holds rows it runs again."""
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            empty = _schema.is_empty(conn)
        snapshot = _seed_snapshots.get("2024")
        if empty and snapshot is not None:
            with db.engine.begin() as conn:
                snapshot.restore(conn)
            return
    result = cli("seed", "2024")
    assert result.exit_code == 0, result.output
    if empty:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                _seed_snapshots["2024"] = _Snapshot(_schema, conn)


@pytest.fixture
def source_text() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")
