"""What the background worker (eventhub/worker.py) keeps in the database: one heartbeat row
per worker process, which /healthz, `eventhub worker --status` and the organizers' pages
read, and the last run of each scheduled job that must not run more often than its period
whichever worker takes it (retention: at most once a day)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.extensions import db, utcnow


class WorkerHeartbeat(db.Model):
    """A worker process (`eventhub worker`): who it is, since when it runs, when it last
    reported, and what its last pass delivered."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    # host:pid, unique while the process lives (a new process with a reused pid takes the
    # row over and starts again).
    name: Mapped[str] = mapped_column(String(300), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    # How often it passes over the outbox: a heartbeat older than a few intervals is stale.
    interval_seconds: Mapped[int]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    stopped_at: Mapped[dt.datetime | None]
    passes: Mapped[int] = mapped_column(default=0)
    last_sent: Mapped[int] = mapped_column(default=0)
    last_retried: Mapped[int] = mapped_column(default=0)
    last_failed: Mapped[int] = mapped_column(default=0)
    total_sent: Mapped[int] = mapped_column(default=0)
    # What went wrong in the last pass (a job or the database), for the operator.
    last_error: Mapped[str | None] = mapped_column(Text)


class ScheduledJob(db.Model):
    """The last start of a periodic job, claimed by one worker with a conditional UPDATE so
    that several workers run it once per period between them."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_run_at: Mapped[dt.datetime]
    last_result: Mapped[str | None] = mapped_column(Text)
