"""What the database was asked to write, compared with what the audit trail recorded.

WriteLog listens to the SQL the engine sends (not to the ORM), so a bulk UPDATE or
DELETE, a Core statement or a write at commit time is counted like a flush: every
INSERT, UPDATE and DELETE on an audited table, per request id, table and action, with
the rows it changed, and only for transactions that committed (a refused request rolls
back and must leave no entry)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy import event

from eventhub.audit.models import AuditEntry
from eventhub.extensions import db

# Tables the trail deliberately leaves out (eventhub.audit.recorder says why), and
# Alembic's own.
NOT_AUDITED = {"audit_entries", "rate_limit_buckets", "idempotent_requests",
               "outbox_messages", "worker_heartbeats", "scheduled_jobs", "alembic_version"}
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?',
                    re.IGNORECASE)
_ACTIONS = {"INSERT": "insert", "UPDATE": "update", "DELETE": "delete"}


@dataclass
class Write:
    request_id: str | None
    method: str | None
    action: str
    table: str
    cursor: Any
    sql: str

    @property
    def rows(self) -> int:
        # Read at commit, when a RETURNING statement's rows have been fetched (SQLite
        # counts them only then); unknown (-1) counts as one row.
        count = self.cursor.rowcount
        return 1 if count is None or count < 0 else count


@dataclass
class WriteLog:
    app: Flask
    committed: list[Write] = field(default_factory=list)
    _open: dict[Any, list[Write]] = field(default_factory=dict)
    _savepoints: dict[Any, list[int]] = field(default_factory=dict)

    def __enter__(self) -> WriteLog:
        with self.app.app_context():
            self.engine = db.engine
        for name, listener in self._listeners():
            event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, listener in self._listeners():
            event.remove(self.engine, name, listener)

    def _listeners(self):
        return (("after_cursor_execute", self._executed), ("commit", self._commit),
                ("rollback", self._rollback), ("savepoint", self._savepoint),
                ("rollback_savepoint", self._rollback_savepoint),
                ("release_savepoint", self._release_savepoint))

    def _executed(self, conn, cursor, statement, parameters, context, executemany) -> None:
        match = _WRITE.match(statement)
        if match is None or match.group(2).lower() in NOT_AUDITED:
            return
        verb = match.group(1).split()[0].upper()
        in_request = has_request_context()
        self._open.setdefault(conn, []).append(Write(
            request_id=g.get("request_id") if in_request else None,
            method=request.method if in_request else None, action=_ACTIONS[verb],
            table=match.group(2).lower(), cursor=cursor, sql=statement))

    def _commit(self, conn) -> None:
        self.committed.extend(self._open.pop(conn, []))
        self._savepoints.pop(conn, None)

    def _rollback(self, conn) -> None:
        self._open.pop(conn, None)
        self._savepoints.pop(conn, None)

    def _savepoint(self, conn, name) -> None:
        self._savepoints.setdefault(conn, []).append(len(self._open.get(conn, [])))

    def _rollback_savepoint(self, conn, name, context) -> None:
        mark = self._savepoints.get(conn, [0]).pop()
        del self._open.get(conn, [])[mark:]

    def _release_savepoint(self, conn, name, context) -> None:
        self._savepoints.get(conn, [0]).pop()

    def rows_written(self) -> Counter:
        written: Counter = Counter()
        for write in self.committed:
            written[(write.request_id, write.table, write.action)] += write.rows
        return written

    def unrecorded(self) -> list[str]:
        """Writes with fewer audit entries (same request, table and action) than rows."""
        with self.app.app_context():
            entries = Counter({(r.request_id, r.table_name, r.action): r.count
                               for r in db.session.execute(sa.select(
                                   AuditEntry.request_id, AuditEntry.table_name,
                                   AuditEntry.action, sa.func.count().label("count"))
                                   .group_by(AuditEntry.request_id, AuditEntry.table_name,
                                             AuditEntry.action))})
        missing = []
        for key, rows in sorted(self.rows_written().items(), key=str):
            if entries[key] < rows:
                example = next(w.sql for w in self.committed
                               if (w.request_id, w.table, w.action) == key)
                missing.append(f"request {key[0]}: {rows} row(s) {key[2]} on {key[1]} but "
                               f"{entries[key]} audit entries ({example[:120]!r})")
        return missing

    def writes_during(self, method: str) -> list[Write]:
        return [w for w in self.committed if w.method == method and w.rows > 0]
