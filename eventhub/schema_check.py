"""What `eventhub db check` compares beyond Alembic's own autogenerate.

Alembic compares tables, columns, types, plain indexes, unique and foreign keys, but not
CHECK constraints (it only notices one added or removed by name, and only when asked),
and on SQLite it cannot read expression indexes at all. Both matter here: every enum is
stored as VARCHAR with a CHECK constraint listing its values (`enum_column`), so a new
enum value is a changed CHECK constraint; and the people table's `lower(email)` index is
an expression index, which a batch migration on SQLite would silently drop.

This Alembic plugin (named `eventhub.schema_check`, enabled in migrations/env.py) compares
them too, so `db check` fails and `db migrate` writes the change:

- CHECK constraints, by name, on every table: one the models declare that the database
  lacks, one the database has that the models do not declare, and one whose condition
  differs. PostgreSQL rewrites a condition when it stores it, so the models' condition is
  first stored the same way on a temporary copy of the table (in a savepoint that is
  rolled back) and the two stored forms are compared; SQLite keeps the text as written,
  so both are compared as text (case, quotes and spacing aside, string literals exact).
- Expression indexes on SQLite, by name, as their CREATE INDEX text. (On PostgreSQL
  Alembic compares them itself.)
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import PriorityDispatchResult

PLUGIN_NAME = "eventhub.schema_check"
PROBE_TABLE = "eventhub_schema_probe"

log = logging.getLogger(__name__)


# Plugin entry points --------------------------------------------------------------------

def compare_check_constraints(autogen_context, modify_table_ops, schema, tname, conn_table,
                              metadata_table) -> PriorityDispatchResult:
    if conn_table is None or metadata_table is None:
        # A new table is created with its constraints; a dropped one takes them along.
        return PriorityDispatchResult.CONTINUE
    connection = autogen_context.connection
    declared = {str(ck.name): ck for ck in _check_constraints(metadata_table)
                if _is_named(ck) and autogen_context.run_object_filters(
                    ck, ck.name, "check_constraint", False, None)}
    stored = {name: sqltext for name, sqltext
              in _stored_check_constraints(autogen_context, schema, tname).items()
              if autogen_context.run_name_filters(
                  name, "check_constraint", {"table_name": tname, "schema_name": schema})
              and autogen_context.run_object_filters(
                  _reflected_check(conn_table, name, sqltext, attach=False), name,
                  "check_constraint", True, None)}
    wanted = _declared_as_stored(connection, metadata_table, declared)

    for name in sorted(set(stored) - set(declared)):
        log.warning("Detected check constraint %r on table %r that the models do not "
                    "declare: CHECK (%s)", name, tname, stored[name])
        modify_table_ops.ops.append(ops.DropConstraintOp.from_constraint(
            _reflected_check(conn_table, name, stored[name])))
    for name in sorted(set(declared) - set(stored)):
        log.warning("Detected check constraint %r on table %r that the database lacks: "
                    "CHECK (%s)", name, tname, _condition(connection, declared[name]))
        modify_table_ops.ops.append(ops.AddConstraintOp.from_constraint(declared[name]))
    for name in sorted(set(declared) & set(stored)):
        if _same_condition(connection, wanted[name], stored[name]):
            continue
        log.warning("Detected changed check constraint %r on table %r: the database has "
                    "CHECK (%s), the models declare CHECK (%s)", name, tname, stored[name],
                    _condition(connection, declared[name]))
        modify_table_ops.ops.append(ops.DropConstraintOp.from_constraint(
            _reflected_check(conn_table, name, stored[name])))
        modify_table_ops.ops.append(ops.AddConstraintOp.from_constraint(declared[name]))
    return PriorityDispatchResult.CONTINUE


def compare_sqlite_expression_indexes(autogen_context, modify_table_ops, schema, tname,
                                      conn_table, metadata_table) -> PriorityDispatchResult:
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    connection = autogen_context.connection
    prefix = "" if schema is None else f"{_qualified(connection, None, schema)}."
    stored = {}
    for name, sql in connection.exec_driver_sql(
            f"SELECT name, sql FROM {prefix}sqlite_master WHERE type = 'index' "
            "AND tbl_name = ? AND sql IS NOT NULL", (tname,)).all():
        # Indexes on plain columns Alembic compares itself; in an expression index SQLite
        # lists each expression as column number -2.
        columns = connection.exec_driver_sql(
            f"PRAGMA {prefix}index_info({_qualified(connection, None, name)})").all()
        if any(column[1] == -2 for column in columns) and autogen_context.run_name_filters(
                name, "index", {"table_name": tname, "schema_name": schema}):
            stored[name] = sql
    declared = {str(ix.name): ix for ix in metadata_table.indexes
                if ix.name is not None and _is_expression_index(ix)
                and autogen_context.run_object_filters(ix, ix.name, "index", False, None)}

    for name in sorted(set(stored) - {str(ix.name) for ix in metadata_table.indexes}):
        log.warning("Detected expression index %r on table %r that the models do not "
                    "declare: %s", name, tname, stored[name])
        modify_table_ops.ops.append(ops.DropIndexOp(name, table_name=tname, schema=schema))
    for name in sorted(set(declared) - set(stored)):
        log.warning("Detected expression index %r on table %r that the database lacks: %s",
                    name, tname, _create_index_sql(connection, declared[name]))
        modify_table_ops.ops.append(ops.CreateIndexOp.from_index(declared[name]))
    for name in sorted(set(declared) & set(stored)):
        wanted = _create_index_sql(connection, declared[name])
        if _normalized(wanted) == _normalized(stored[name]):
            continue
        log.warning("Detected changed expression index %r on table %r: the database has "
                    "%s, the models declare %s", name, tname, stored[name], wanted)
        modify_table_ops.ops.append(ops.DropIndexOp(name, table_name=tname, schema=schema))
        modify_table_ops.ops.append(ops.CreateIndexOp.from_index(declared[name]))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    plugin.add_autogenerate_comparator(compare_check_constraints, "table",
                                       "eventhub_check_constraints")
    plugin.add_autogenerate_comparator(compare_sqlite_expression_indexes, "table",
                                       "eventhub_expression_indexes", qualifier="sqlite")


# Registered once per process, when migrations/env.py first imports this module.
Plugin.setup_plugin_from_module(sys.modules[__name__], PLUGIN_NAME)


# CHECK constraints ----------------------------------------------------------------------

def _check_constraints(table: sa.Table) -> list[sa.CheckConstraint]:
    """Table-level ones, those on columns, and those an Enum type adds."""
    candidates = [*table.constraints, *(c for col in table.columns for c in col.constraints)]
    return [c for c in candidates if isinstance(c, sa.CheckConstraint)]


def _is_named(constraint: sa.Constraint) -> bool:
    # The naming convention names every constraint; one it could not name has no name or
    # a deferred marker (which would fail to compile anyway).
    return isinstance(constraint.name, str) and type(constraint.name).__name__ != (
        "_defer_none_name")


def _condition(connection: sa.Connection, constraint: sa.CheckConstraint) -> str:
    """The condition as the CREATE TABLE of this database would spell it."""
    return str(constraint.sqltext.compile(
        dialect=connection.dialect,
        compile_kwargs={"literal_binds": True, "include_table": False}))


def _stored_check_constraints(autogen_context, schema: str | None,
                              tname: str) -> dict[str, str]:
    connection = autogen_context.connection
    if connection.dialect.name == "postgresql":
        table = _qualified(connection, schema, tname)
        return {name: _without_check(sqltext) for name, sqltext in connection.execute(sa.text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:table AS regclass) AND contype = 'c'"),
            {"table": table}).all()}
    found = autogen_context.inspector.get_check_constraints(tname, schema=schema)
    return {ck["name"]: ck["sqltext"] for ck in found if ck.get("name")}


def _declared_as_stored(connection: sa.Connection, metadata_table: sa.Table,
                        declared: dict[str, sa.CheckConstraint]) -> dict[str, str]:
    """Each declared condition in the form the database stores it."""
    if connection.dialect.name != "postgresql":
        return {name: _condition(connection, ck) for name, ck in declared.items()}
    table = _qualified(connection, metadata_table.schema, metadata_table.name)
    stored: dict[str, str] = {}
    for name, constraint in declared.items():
        savepoint = connection.begin_nested()
        try:
            connection.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {PROBE_TABLE} (LIKE {table})")
            connection.exec_driver_sql(
                f"ALTER TABLE {PROBE_TABLE} ADD CONSTRAINT probe "
                f"CHECK ({_condition(connection, constraint)})")
            stored[name] = _without_check(connection.execute(sa.text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:table AS regclass) AND conname = 'probe'"),
                {"table": PROBE_TABLE}).scalar_one())
        except sa.exc.DBAPIError as exc:
            # E.g. the condition names a column the database lacks (which Alembic reports
            # as well): the condition cannot be what the database has.
            stored[name] = f"<cannot be stored on this table: {exc.orig}>"
        finally:
            savepoint.rollback()
    return stored


def _same_condition(connection: sa.Connection, wanted: str, stored: str) -> bool:
    if connection.dialect.name == "postgresql":
        return wanted == stored
    return _normalized(wanted) == _normalized(stored)


def _without_check(definition: str) -> str:
    """PostgreSQL's `CHECK (condition)` as the condition alone."""
    if definition.upper().startswith("CHECK ("):
        return definition[len("CHECK ("):definition.rindex(")")]
    return definition


def _reflected_check(conn_table: sa.Table, name: str, sqltext: str, *,
                     attach: bool = True) -> sa.CheckConstraint:
    return sa.CheckConstraint(sa.text(sqltext), name=name,
                              table=conn_table if attach else None)


def _qualified(connection: sa.Connection, schema: str | None, tname: str) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return f"{quote(schema)}.{quote(tname)}" if schema else quote(tname)


# Expression indexes ---------------------------------------------------------------------

def _is_expression_index(index: sa.Index) -> bool:
    for expression in index.expressions:
        while isinstance(expression, sa.sql.elements.UnaryExpression):
            expression = expression.element
        if not isinstance(expression, sa.sql.elements.ColumnClause) or expression.is_literal:
            return True
    return False


def _create_index_sql(connection: sa.Connection, index: sa.Index) -> str:
    return str(sa.schema.CreateIndex(index).compile(dialect=connection.dialect))


# Text comparison (SQLite keeps DDL as written) ------------------------------------------

_LITERAL = re.compile(r"('(?:[^']|'')*')")


def _normalized(sql: Any) -> str:
    """Case, identifier quotes, spacing and enclosing parentheses aside; string literals
    (an enum's values) compared exactly."""
    parts = _LITERAL.split(str(sql).strip())
    for i in range(0, len(parts), 2):
        text = parts[i].lower().replace('"', "").replace("`", "")
        text = re.sub(r"\s+", " ", text)
        parts[i] = re.sub(r"\s*([(),=<>])\s*", r"\1", text)
    text = "".join(parts).strip()
    while text.startswith("(") and text.endswith(")") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, opening: int) -> int:
    """Index of the parenthesis that closes the one at `opening` (literals skipped)."""
    depth, in_literal = 0, False
    for i in range(opening, len(text)):
        char = text[i]
        if char == "'":
            in_literal = not in_literal
        elif not in_literal and char == "(":
            depth += 1
        elif not in_literal and char == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1
