"""The `eventhub` command: in-process through the cli fixture, and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import make_user

from eventhub.auth.models import Role

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTHUB = REPO_ROOT / ".venv" / "bin" / "eventhub"


# In-process ---------------------------------------------------------------------------

def test_users_create_then_sign_in_over_http(cli, client):
    result = cli("users", "create", "--email", "Cli.Organizer@example.org", "--name",
                 "CLI Organizer", "--role", "organizer", "--password", "long-enough-pass")

    assert result.exit_code == 0, result.output
    assert "cli.organizer@example.org" in result.output
    assert "organizer" in result.output

    token = client.post("/api/v1/auth/token", json={"email": "cli.organizer@example.org",
                                                     "password": "long-enough-pass"})
    assert token.status_code == 201
    me = client.get("/api/v1/auth/me",
                    headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.json["role"] == "organizer"
    assert me.json["name"] == "CLI Organizer"

    listing = cli("users", "list")
    assert listing.exit_code == 0
    assert "cli.organizer@example.org\torganizer\tactive\tCLI Organizer" in listing.output


def test_users_create_prompts_for_the_password(cli, client):
    result = cli("users", "create", "--email", "prompted@example.org", "--name", "Prompted",
                 "--role", "viewer", input="prompted-password\nprompted-password\n")

    assert result.exit_code == 0, result.output
    assert "prompted-password" not in result.output  # hidden input
    assert client.post("/api/v1/auth/token", json={
        "email": "prompted@example.org", "password": "prompted-password"}).status_code == 201


def test_duplicate_user_fails_with_a_clear_message(app, cli):
    email = make_user(app, Role.VIEWER, email="taken@example.org")

    result = cli("users", "create", "--email", email, "--name", "Again", "--role", "admin",
                 "--password", "long-enough-pass")

    assert result.exit_code != 0
    assert "Error:" in result.output
    assert "taken@example.org already exists" in result.output
    listing = cli("users", "list").output.strip().splitlines()
    assert len(listing) == 1 and "\tviewer\t" in listing[0]


def test_short_password_fails_naming_the_rule(cli):
    result = cli("users", "create", "--email", "short@example.org", "--name", "Short",
                 "--role", "viewer", "--password", "short")

    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert cli("users", "list").output.strip() == ""


def test_invalid_role_is_a_usage_error(cli):
    result = cli("users", "create", "--email", "boss@example.org", "--name", "Boss",
                 "--role", "superuser", "--password", "long-enough-pass")

    assert result.exit_code == 2
    assert "superuser" in result.output
    assert cli("users", "list").output.strip() == ""


# Real subprocesses --------------------------------------------------------------------

def run_eventhub(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("EVENTHUB_")}
    env["EVENTHUB_DATABASE_URL"] = database_url
    return subprocess.run([str(EVENTHUB), *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def table_names(database_url: str) -> set[str]:
    engine = sa.create_engine(database_url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def migration_cycle(database_url: str) -> None:
    """upgrade, check (the models match the migrations), downgrade to nothing."""
    upgraded = run_eventhub(database_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert {"users", "editions", "organizations", "alembic_version"} <= table_names(
        database_url)

    checked = run_eventhub(database_url, "db", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr

    downgraded = run_eventhub(database_url, "db", "downgrade", "base")
    assert downgraded.returncode == 0, downgraded.stderr
    assert table_names(database_url) <= {"alembic_version"}


def test_eventhub_help_lists_the_commands(tmp_path):
    result = run_eventhub(f"sqlite:///{tmp_path / 'help.sqlite3'}", "--help")

    assert result.returncode == 0, result.stderr
    commands = result.stdout.split("Commands:", 1)[1]
    listed = {line.split()[0] for line in commands.splitlines() if line.strip()}
    assert {"serve", "db", "users", "seed"} <= listed


def test_migrations_upgrade_check_and_downgrade_on_sqlite(tmp_path):
    migration_cycle(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")


@pytest.mark.postgres_only
def test_migrations_upgrade_check_and_downgrade_on_postgres(is_postgres):
    if not is_postgres:
        pytest.skip("needs EVENTHUB_TEST_DATABASE_URL pointing at a PostgreSQL server")
    server_url = os.environ["EVENTHUB_TEST_DATABASE_URL"]
    name = f"eventhub_cli_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        migration_cycle(url)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
