"""Inserting many rows at once, each with its audit entry.

The recorder (eventhub.audit.recorder) writes entries for what the session's flush
inserts, object by object; it deliberately does not take bulk INSERTs. Code that inserts
thousands of rows in a few statements (a bundle import) goes through insert_rows() here,
which writes the same entries the flush would have written for the same objects: action
"insert", every column that holds a value (the primary key included) as "after",
personal and secret columns hidden, on the same connection and in the same transaction
as the rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, text

from eventhub.audit.models import AuditEntry
from eventhub.audit.recorder import _PRIVATE_COLUMNS, HIDDEN, _actor, _plain
from eventhub.extensions import db, utcnow

# Rows per INSERT ... VALUES ... RETURNING statement where the database hands out the ids
# (SQLite): one statement per row costs a round trip each, one of thousands of rows a
# long text to build.
PAGE_SIZE = 500


def _completed(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with a value for every column but the generated primary key: the column's
    Python-side default where a row gives none (or None), as the ORM fills it in (the
    audit entry then records the value the database holds). A callable default (the time
    of the insert) is called once for all the rows."""
    defaults: dict[str, Any] = {}
    for column in table.c:
        if column.primary_key and column.autoincrement is not False and all(
                column.name not in row for row in rows):
            continue
        if column.default is not None and column.default.is_scalar:
            defaults[column.name] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            defaults[column.name] = column.default.arg(None)
        elif column.server_default is not None and not all(column.name in row for row in rows):
            raise ValueError(f"{table.name}.{column.name}: a value is needed (its default "
                             f"is the database's, which the audit entry cannot show)")
        else:
            defaults[column.name] = None
    # As the ORM does, a None takes the column's default.
    completed = [{**defaults, **{name: value for name, value in row.items()
                                 if value is not None or name not in defaults}}
                 for row in rows]
    if any(len(row) != len(defaults) for row in completed):
        unknown = {name for row in rows for name in row} - set(defaults)
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    return completed


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], *,
                edition_id: int | None = None) -> list[int]:
    """Insert `rows` (column values by column name) into `table` in the order given, write
    an audit entry for each, and return their new ids in the same order. `edition_id`:
    the edition the entries belong to, for a table whose rows reach it through a parent
    (a row's own edition_id column wins)."""
    if not rows:
        return []
    # The rows may refer to objects still pending in the session.
    db.session.flush()
    connection = db.session.connection()
    completed = _completed(table, rows)
    generated = "id" in table.c and "id" not in completed[0]
    ids: list[int] = []
    if generated and connection.dialect.name == "postgresql":
        # The ids are drawn from the column's sequence first (ascending, in the order of
        # the rows), and the rows inserted with them by psycopg's executemany, one short
        # statement parsed once: psycopg parses the text of a multi-row INSERT ... VALUES
        # in Python, which for thousands of rows cost more than the inserts themselves.
        ids = sorted(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(completed)}).scalars())
        for row, new_id in zip(completed, ids, strict=True):
            row["id"] = new_id
        connection.execute(insert(table), completed)
    elif generated:
        statement = (insert(table).returning(table.c.id, sort_by_parameter_order=True)
                     .execution_options(insertmanyvalues_page_size=PAGE_SIZE))
        ids = list(connection.execute(statement, completed).scalars())
        for row, new_id in zip(completed, ids, strict=True):
            row["id"] = new_id
    else:
        connection.execute(insert(table), completed)
    user_id, label, request_id = _actor()
    now = utcnow()
    private = _PRIVATE_COLUMNS.get(table.name, set())
    key = [column.name for column in table.primary_key.columns]
    order = [column.name for column in table.c]
    connection.execute(insert(AuditEntry.__table__), [
        {"at": now, "actor_user_id": user_id, "actor_label": label, "request_id": request_id,
         "action": "insert", "table_name": table.name,
         "object_id": ",".join(str(row[name]) for name in key),
         "edition_id": row.get("edition_id", edition_id),
         "changes": {name: {"after": HIDDEN if name in private else _plain(row[name])}
                     for name in order if row.get(name) is not None}}
        for row in completed])
    return ids
