"""`eventhub db check` notices what Alembic alone does not: a changed CHECK constraint (a
new enum value: enums are VARCHAR columns with a CHECK constraint listing the values), one
added or dropped, and on SQLite a dropped or changed expression index (people's
lower(email)). Each drift is made by hand on a scratch database migrated from scratch (an
SQLite file in tmp, and on PostgreSQL runs also a scratch database created and dropped
here), never on the suite's shared database; then the real command must fail, naming it.
"""

from __future__ import annotations

import enum
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.migration import MigrationContext
from alembic.operations import Operations

from eventhub import schema_check
from eventhub.auth.models import enum_column
from eventhub.extensions import NAMING_CONVENTION

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTHUB = REPO_ROOT / ".venv" / "bin" / "eventhub"
ROLES = "'admin', 'organizer', 'secretariat', 'viewer'"

# Batch operations on people reflect it; SQLAlchemy says it skips lower(email) (which is
# what one of the drifts below is about).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index")


def run_eventhub(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("EVENTHUB_")}
    env["EVENTHUB_DATABASE_URL"] = database_url
    return subprocess.run([str(EVENTHUB), *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _postgres_server_url() -> str | None:
    url = os.environ.get("EVENTHUB_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated_template(request, tmp_path_factory) -> Iterator[str]:
    """A database migrated from scratch with `eventhub db upgrade`, copied for each test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('drift') / 'template.sqlite3'}"
        upgraded = run_eventhub(url, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        yield url
        return
    server_url = _postgres_server_url()
    if server_url is None:
        pytest.skip("needs EVENTHUB_TEST_DATABASE_URL pointing at a PostgreSQL server")
    name = f"eventhub_drift_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgraded = run_eventhub(url, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_url(migrated_template: str, tmp_path) -> Iterator[str]:
    template = sa.make_url(migrated_template)
    if template.get_backend_name() == "sqlite":
        copy = tmp_path / "scratch.sqlite3"
        shutil.copyfile(template.database, copy)
        yield f"sqlite:///{copy}"
        return
    name = f"eventhub_drift_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_postgres_server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
    try:
        yield template.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def alter(database_url: str, change: Callable[[Operations], None]) -> None:
    """Change the scratch database's schema behind the migrations' back."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # Batch operations copy and drop tables (as in migrations/env.py).
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            change(Operations(MigrationContext.configure(conn)))
            conn.commit()
    finally:
        engine.dispose()


def replace_check(op: Operations, table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="check")
        batch.create_check_constraint(name, condition)


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


# The real tree ----------------------------------------------------------------------------

def test_the_models_match_a_database_migrated_from_scratch(scratch_url):
    checked = run_eventhub(scratch_url, "db", "check")

    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "No new upgrade operations detected" in output
    assert "eventhub.schema_check: Detected" not in output
    # The plugin ran (a silent no-op would pass too), and the SQLite warnings about
    # expression indexes that Alembic skips are gone: schema_check compares them.
    assert "eventhub.schema_check" in output
    assert "expression-based index" not in output


# Drift made by hand: `db check` must fail and say what differs -------------------------

def enum_value_the_database_lacks(op: Operations) -> None:
    # What the database has after someone adds Role.VIEWER to the model without a migration.
    replace_check(op, "users", "ck_users_user_role", "role IN ('admin', 'organizer', "
                                                     "'secretariat')")


def enum_value_the_models_lack(op: Operations) -> None:
    replace_check(op, "users", "ck_users_user_role", f"role IN ({ROLES}, 'guest')")


def check_constraint_dropped(op: Operations) -> None:
    with op.batch_alter_table("editions") as batch:
        batch.drop_constraint("ck_editions_ordinal_positive", type_="check")


def check_constraint_not_in_the_models(op: Operations) -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.create_check_constraint("ck_organizations_name_long", "length(name) > 3")


def check_condition_changed(op: Operations) -> None:
    replace_check(op, "editions", "ck_editions_ordinal_positive", "ordinal >= 0")


def expression_index_dropped(op: Operations) -> None:
    op.drop_index("ix_people_email_lower", table_name="people")


def expression_index_changed(op: Operations) -> None:
    op.drop_index("ix_people_email_lower", table_name="people")
    op.create_index("ix_people_email_lower", "people", [sa.text("upper(email)")])


def people_rebuilt_by_a_batch_migration(op: Operations) -> None:
    # On SQLite a batch migration copies the table from what SQLAlchemy can reflect, and
    # it cannot reflect expression indexes: the rebuilt people table has lost lower(email).
    with op.batch_alter_table("people", recreate="always"):
        pass


DRIFTS = {
    "enum value the database lacks": (
        enum_value_the_database_lacks,
        ["Detected changed check constraint 'ck_users_user_role' on table 'users'",
         f"the models declare CHECK (role IN ({ROLES}))"]),
    "enum value the models lack": (
        enum_value_the_models_lack,
        ["Detected changed check constraint 'ck_users_user_role' on table 'users'", "guest"]),
    "check constraint dropped": (
        check_constraint_dropped,
        ["Detected check constraint 'ck_editions_ordinal_positive' on table 'editions' that "
         "the database lacks: CHECK (ordinal > 0)"]),
    "check constraint not in the models": (
        check_constraint_not_in_the_models,
        ["Detected check constraint 'ck_organizations_name_long' on table 'organizations' "
         "that the models do not declare"]),
    "check condition changed": (
        check_condition_changed,
        ["Detected changed check constraint 'ck_editions_ordinal_positive' on table "
         "'editions'", "the models declare CHECK (ordinal > 0)"]),
    "expression index dropped": (
        expression_index_dropped,
        {"sqlite": ["Detected expression index 'ix_people_email_lower' on table 'people' "
                    "that the database lacks: CREATE INDEX ix_people_email_lower ON people "
                    "(lower(email))"],
         "postgresql": ["Detected added index 'ix_people_email_lower'"]}),
    "expression index changed": (
        expression_index_changed,
        {"sqlite": ["Detected changed expression index 'ix_people_email_lower' on table "
                    "'people'", "upper(email)"],
         "postgresql": ["Detected changed index 'ix_people_email_lower'", "upper"]}),
}


# Drifts on different objects, made together (one `db check` run each group, to keep the
# suite quick); every one must be named in the output.
DRIFT_GROUPS = {
    "missing": ["enum value the database lacks", "check constraint dropped",
                "check constraint not in the models", "expression index dropped"],
    "changed": ["enum value the models lack", "check condition changed",
                "expression index changed"],
}


@pytest.mark.parametrize("group", list(DRIFT_GROUPS))
def test_db_check_fails_on_schema_drift(scratch_url, group):
    expected = []
    for drift in DRIFT_GROUPS[group]:
        change, phrases = DRIFTS[drift]
        if isinstance(phrases, dict):
            phrases = phrases["sqlite" if is_sqlite(scratch_url) else "postgresql"]
        alter(scratch_url, change)
        expected += phrases

    checked = run_eventhub(scratch_url, "db", "check")

    output = checked.stdout + checked.stderr
    assert checked.returncode == 1, output
    assert "New upgrade operations detected" in output
    for phrase in expected:
        assert phrase in output, output


def test_every_drift_is_tried():
    assert sorted(d for group in DRIFT_GROUPS.values() for d in group) == sorted(DRIFTS)


def test_db_check_notices_the_index_a_batch_migration_dropped_on_sqlite(scratch_url):
    if not is_sqlite(scratch_url):
        pytest.skip("SQLite only: PostgreSQL alters tables in place")
    alter(scratch_url, people_rebuilt_by_a_batch_migration)

    checked = run_eventhub(scratch_url, "db", "check")

    output = checked.stdout + checked.stderr
    assert checked.returncode == 1, output
    assert ("Detected expression index 'ix_people_email_lower' on table 'people' that the "
            "database lacks") in output


# A new enum value in a (throwaway) model --------------------------------------------------

class ExtendedRole(enum.StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    SECRETARIAT = "secretariat"
    VIEWER = "viewer"
    GUEST = "guest"


def users_with_a_new_role() -> sa.MetaData:
    """The users table as it would be declared after adding Role.GUEST."""
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("role", enum_column(ExtendedRole, "user_role"), nullable=False))
    return metadata


def compare_users(connection: sa.Connection, metadata: sa.MetaData):
    """Alembic's comparison with the plugins `db check` uses, limited to the CHECK
    constraints of the users table (the throwaway model declares nothing else)."""
    context = MigrationContext.configure(connection, opts={
        "autogenerate_plugins": ["alembic.autogenerate.*", schema_check.PLUGIN_NAME],
        "include_name": lambda name, type_, parent: type_ != "table" or name == "users",
        "include_object": lambda obj, name, type_, reflected, compare_to: type_ in (
            "table", "check_constraint"),
        "target_metadata": metadata,
    })
    return context, compare_metadata(context, metadata)


def test_a_new_enum_value_in_a_model_is_a_changed_check_constraint(scratch_url):
    engine = sa.create_engine(scratch_url)
    try:
        with engine.connect() as conn:
            context, diffs = compare_users(conn, users_with_a_new_role())
            assert [(kind, str(constraint.name)) for kind, constraint in diffs] == [
                ("remove_constraint", "ck_users_user_role"),
                ("add_constraint", "ck_users_user_role")]
            # What `eventhub db migrate` writes for it: the constraint with the new value.
            upgrade = render_python_code(
                produce_migrations(context, users_with_a_new_role()).upgrade_ops,
                render_as_batch=True)
            assert "drop_constraint(" in upgrade and "create_check_constraint(" in upgrade
            assert f"{ROLES}, 'guest'" in upgrade
            conn.rollback()
    finally:
        engine.dispose()


def test_the_same_roles_compare_equal(scratch_url):
    # The control for the test above: the same comparison with the real role values.
    class SameRole(enum.StrEnum):
        ADMIN = "admin"
        ORGANIZER = "organizer"
        SECRETARIAT = "secretariat"
        VIEWER = "viewer"

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("role", enum_column(SameRole, "user_role"), nullable=False))
    engine = sa.create_engine(scratch_url)
    try:
        with engine.connect() as conn:
            assert compare_users(conn, metadata)[1] == []
    finally:
        engine.dispose()


def test_normalized_sql_keeps_string_literals_exact():
    normalized = schema_check._normalized
    assert normalized('( "role"  IN ( \'admin\' ,\'viewer\'))') == normalized(
        "role IN ('admin', 'viewer')")
    assert normalized("role IN ('Admin')") != normalized("role IN ('admin')")
    assert normalized("role IN ('a b')") != normalized("role IN ('a  b')")
    assert normalized("(a > 0) AND (b > 0)") == "(a>0)and(b>0)"
