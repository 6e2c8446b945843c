"""Fixtures: a migrated database (SQLite file, or a fresh PostgreSQL database when
EVENTHUB_TEST_DATABASE_URL points at a server), an app, and API clients per role.

Tables are emptied after every test, so tests can commit for real (as concurrent and
CLI tests must) and still start from a clean database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
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
    with app.app_context():
        upgrade()
        _engines.append(db.engine)
    yield app


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(autouse=True)
def _clean_database(request, app: Flask) -> Iterator[None]:
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                quoted = ", ".join(f'"{t}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                # Rows of one table may point at each other (organization parents).
                conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                for table in tables:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))


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
def seeded(app: Flask, cli) -> None:
    """The 2024 reference record, loaded through `eventhub seed 2024`."""
    result = cli("seed", "2024")
    assert result.exit_code == 0, result.output


@pytest.fixture
def source_text() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")
