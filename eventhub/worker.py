"""The background worker, `eventhub worker`: a long-running process that delivers the
outbox and runs the scheduled jobs, and says it is alive.

Each pass:

1. scheduled jobs, each on its own and in short transactions of its own (a job that fails
   is logged and recorded in the heartbeat; the others and the delivery still run):
   - invitation reminders: a focal point who has not answered gets one reminder
     INVITATION_REMINDER_DAYS before the deadline (eventhub.invitations.reminders);
   - invitation expiry: nothing to write (expiry is computed on read); the number of
     invitations whose deadline passed is logged;
   - retention: archived editions older than RETENTION_DAYS are anonymized, at most once a
     day whichever worker runs it (`eventhub retention run` does the same on request);
2. delivery of the due messages of the outbox in batches, with the mail service's claim
   (pending -> sending, FOR UPDATE SKIP LOCKED on PostgreSQL, a conditional UPDATE under
   SQLite's write lock), so several workers may run at once and each message is sent once;
3. a heartbeat (worker_heartbeats: host, pid, started, last seen, last pass's counts),
   written after every batch, read by /healthz, `eventhub worker --status` and the
   organizers' outbox page.

SIGTERM and SIGINT stop the worker after the message it is sending; it marks its heartbeat
stopped. `--once` makes one pass (for cron and tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from eventhub.extensions import db, utcnow
from eventhub.worker_models import ScheduledJob, WorkerHeartbeat

log = logging.getLogger(__name__)

BATCH = 50
RETENTION_EVERY = dt.timedelta(days=1)
EXPIRY_EVERY = dt.timedelta(minutes=1)
# A worker not seen for this many of its intervals (and at least a minute) is stale.
STALE_AFTER_INTERVALS = 3
STALE_AFTER_AT_LEAST = dt.timedelta(seconds=60)
# Heartbeats of workers gone this long are removed when a worker starts.
FORGET_AFTER = dt.timedelta(days=7)


def _setting(key: str) -> Any:
    return current_app.config[f"EVENTHUB_{key}"]


# Scheduled jobs -------------------------------------------------------------------------


def claim_job(name: str, every: dt.timedelta, now: dt.datetime
              ) -> tuple[bool, dt.datetime | None]:
    """Whether this worker runs the job now (its last run is at least `every` ago, and no
    other worker took it first), and when it last ran. Commits."""
    job = db.session.get(ScheduledJob, name)
    if job is None:
        db.session.add(ScheduledJob(name=name, last_run_at=now))
        try:
            db.session.commit()
        except IntegrityError:  # another worker created it at the same moment
            db.session.rollback()
            return False, None
        return True, None
    previous = job.last_run_at
    if previous > now - every:
        db.session.rollback()
        return False, previous
    taken = db.session.execute(
        update(ScheduledJob).where(ScheduledJob.name == name,
                                   ScheduledJob.last_run_at == previous)
        .values(last_run_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return taken.rowcount == 1, previous


def _record_job(name: str, result: str) -> None:
    db.session.execute(update(ScheduledJob).where(ScheduledJob.name == name)
                       .values(last_result=result[:500])
                       .execution_options(synchronize_session=False))
    db.session.commit()


def run_retention(days: int) -> list[str]:
    """Anonymize the archived editions older than `days` days; their slugs."""
    from eventhub.archive.service import anonymize, due_for_anonymization
    from eventhub.auth.permissions import SYSTEM

    done = []
    for edition in due_for_anonymization(days):
        slug = edition.slug
        anonymize(SYSTEM, slug)
        db.session.commit()
        done.append(slug)
    db.session.rollback()
    return done


# The pass -------------------------------------------------------------------------------


@dataclass
class PassReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reminders: int = 0
    expired: int = 0
    anonymized: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"sent {self.sent}, retried {self.retried}, failed {self.failed}; "
                f"reminders queued {self.reminders}; invitations expired {self.expired}")
        if self.anonymized:
            text += "; anonymized " + ", ".join(self.anonymized)
        if self.errors:
            text += "; errors: " + " | ".join(self.errors)
        return text


class Worker:
    def __init__(self, app: Flask, interval: int, *, batch: int = BATCH) -> None:
        self.app = app
        self.interval = interval
        self.batch = batch
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.name = f"{self.host}:{self.pid}"
        self.stopping = threading.Event()

    # heartbeat ---------------------------------------------------------------------

    def _beat(self, **values: Any) -> None:
        now = utcnow()
        updated = db.session.execute(
            update(WorkerHeartbeat).where(WorkerHeartbeat.name == self.name)
            .values(last_seen_at=now, **values).execution_options(synchronize_session=False))
        db.session.commit()
        if updated.rowcount == 0:
            self._start_heartbeat()

    def _start_heartbeat(self) -> None:
        now = utcnow()
        db.session.execute(delete(WorkerHeartbeat).where(
            (WorkerHeartbeat.name == self.name)
            | (WorkerHeartbeat.last_seen_at < now - FORGET_AFTER)))
        db.session.add(WorkerHeartbeat(
            name=self.name, host=self.host[:255], pid=self.pid,
            interval_seconds=self.interval, started_at=now, last_seen_at=now, passes=0,
            last_sent=0, last_retried=0, last_failed=0, total_sent=0))
        db.session.commit()

    # jobs --------------------------------------------------------------------------

    def _job(self, report: PassReport, name: str, run) -> None:
        try:
            run()
        except Exception as exc:  # one job's failure must not stop the others or the mail
            db.session.rollback()
            log.exception("worker job %s failed", name)
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}"[:300])

    def _reminders(self, report: PassReport) -> None:
        from eventhub.invitations.reminders import queue_due_reminders

        report.reminders = queue_due_reminders(utcnow(), int(_setting(
            "INVITATION_REMINDER_DAYS")))
        if report.reminders:
            log.info("queued %s invitation reminder(s)", report.reminders)

    def _expiry(self, report: PassReport) -> None:
        from eventhub.invitations.reminders import count_expired

        now = utcnow()
        taken, previous = claim_job("invitation_expiry", EXPIRY_EVERY, now)
        if not taken:
            return
        report.expired = count_expired(previous, now)
        _record_job("invitation_expiry", f"{report.expired} expired")
        if report.expired:
            log.info("%s invitation(s) passed their deadline unanswered", report.expired)

    def _retention(self, report: PassReport) -> None:
        days = int(_setting("RETENTION_DAYS"))
        if days <= 0:
            return
        taken, _previous = claim_job("retention", RETENTION_EVERY, utcnow())
        if not taken:
            return
        report.anonymized = run_retention(days)
        _record_job("retention", ", ".join(report.anonymized) or "nothing to do")
        for slug in report.anonymized:
            log.info("retention: anonymized %s", slug)

    # delivery ----------------------------------------------------------------------

    def _deliver(self, report: PassReport) -> None:
        from eventhub.mail.service import deliver_pending

        while not self.stopping.is_set():
            batch = deliver_pending(limit=self.batch, stop=self.stopping.is_set)
            report.sent += batch.sent
            report.retried += batch.retried
            report.failed += batch.failed
            self._beat(last_sent=report.sent, last_retried=report.retried,
                       last_failed=report.failed)
            if batch.sent + batch.retried + batch.failed < self.batch:
                break  # nothing more is due (or the SMTP server is down: next pass)

    def run_pass(self) -> PassReport:
        report = PassReport()
        self._job(report, "reminders", lambda: self._reminders(report))
        self._job(report, "expiry", lambda: self._expiry(report))
        self._job(report, "retention", lambda: self._retention(report))
        self._job(report, "delivery", lambda: self._deliver(report))
        self._beat(passes=WorkerHeartbeat.passes + 1, last_sent=report.sent,
                   last_retried=report.retried, last_failed=report.failed,
                   total_sent=WorkerHeartbeat.total_sent + report.sent,
                   last_error="; ".join(report.errors)[:2000] or None)
        return report

    # the loop ----------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        log.info("worker %s: signal %s, stopping after the current message", self.name,
                 signum)
        self.stopping.set()

    def run(self, *, once: bool = False) -> PassReport | None:
        """Pass after pass until stopped (one pass with once); the last pass's report."""
        # Signals reach the main thread only (a test may run a worker in another).
        previous = ({sig: signal.signal(sig, self._on_signal)
                     for sig in (signal.SIGTERM, signal.SIGINT)}
                    if threading.current_thread() is threading.main_thread() else {})
        report = None
        try:
            with self.app.app_context():
                self._start_heartbeat()
                log.info("worker %s started (every %s s)", self.name, self.interval)
                while not self.stopping.is_set():
                    try:
                        report = self.run_pass()
                    except Exception:  # the database is away: try again next time
                        db.session.rollback()
                        log.exception("worker pass failed")
                        if once:
                            raise
                    if once:
                        break
                    self.stopping.wait(self.interval)
                self._stop_heartbeat()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("worker %s stopped", self.name)
        return report

    def _stop_heartbeat(self) -> None:
        try:
            db.session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.name == self.name)
                               .values(stopped_at=utcnow())
                               .execution_options(synchronize_session=False))
            db.session.commit()
        except Exception:  # stopping anyway
            db.session.rollback()
            log.exception("could not mark the heartbeat of %s stopped", self.name)


# Health ---------------------------------------------------------------------------------


def stale_after(heartbeat: WorkerHeartbeat) -> dt.timedelta:
    return max(dt.timedelta(seconds=heartbeat.interval_seconds * STALE_AFTER_INTERVALS),
               STALE_AFTER_AT_LEAST)


def heartbeat_state(heartbeat: WorkerHeartbeat, now: dt.datetime | None = None) -> str:
    """"running", "stale" (not seen for a few intervals: hung or killed) or "stopped"."""
    if heartbeat.stopped_at is not None:
        return "stopped"
    now = now or utcnow()
    return "running" if heartbeat.last_seen_at >= now - stale_after(heartbeat) else "stale"


def recent_heartbeats(limit: int = 10) -> list[WorkerHeartbeat]:
    return list(db.session.scalars(select(WorkerHeartbeat)
                                   .order_by(WorkerHeartbeat.last_seen_at.desc()).limit(limit)))


def worker_health() -> dict[str, Any]:
    """The workers as /healthz shows them: "running" if any worker reported recently,
    else "stale" (one was seen, not lately), else "none"."""
    now = utcnow()
    beats = recent_heartbeats()
    states = [heartbeat_state(beat, now) for beat in beats]
    status = ("running" if "running" in states else "stale" if beats else "none")
    return {
        "status": status,
        "running": states.count("running"),
        "last_seen_at": beats[0].last_seen_at if beats else None,
        "workers": [{"name": beat.name, "state": state,
                     "started_at": beat.started_at.isoformat(),
                     "last_seen_at": beat.last_seen_at.isoformat(),
                     "passes": beat.passes, "last_sent": beat.last_sent,
                     "last_failed": beat.last_failed, "total_sent": beat.total_sent}
                    for beat, state in zip(beats, states, strict=True)],
    }


def print_status() -> None:
    """`eventhub worker --status`: the workers and the outbox."""
    from eventhub.mail.outbox import outbox_health

    now = utcnow()
    beats = recent_heartbeats()
    if not beats:
        click.echo("No worker has run yet: start `eventhub worker`.")
    for beat in beats:
        state = heartbeat_state(beat, now)
        click.echo(f"worker {beat.name}\t{state}\tstarted {beat.started_at:%Y-%m-%d %H:%M:%S} "
                   f"UTC\tlast seen {beat.last_seen_at:%Y-%m-%d %H:%M:%S} UTC\t"
                   f"passes {beat.passes}\tlast pass sent {beat.last_sent}, failed "
                   f"{beat.last_failed}\tsent in all {beat.total_sent}"
                   + (f"\tlast error: {beat.last_error}" if beat.last_error else ""))
    health = outbox_health()
    oldest = health["oldest_due_at"]
    click.echo(f"outbox: {health['due']} due"
               + (f" (oldest due since {oldest:%Y-%m-%d %H:%M:%S} UTC)" if oldest else "")
               + f", {health['waiting_retry']} waiting to retry, {health['failed']} failed, "
               f"{len(health['stuck'])} stuck in sending")
    if health["stalled"]:
        click.echo("The outbox is not moving: messages have been due for more than "
                   f"{health['stall_minutes']} minutes.")


# The command ----------------------------------------------------------------------------


@click.command("worker", help="Run the background worker: deliver the e-mail outbox, queue "
                              "invitation reminders, run retention; stops on SIGTERM or "
                              "Ctrl-C. Several workers may run at once.")
@click.option("--once", is_flag=True, help="Make one pass and exit (for cron and tests); "
                                            "exit code 1 if a message failed for good or a "
                                            "job failed.")
@click.option("--interval", type=click.IntRange(1), default=None,
              help="Seconds between passes (default: EVENTHUB_WORKER_INTERVAL_SECONDS).")
@click.option("--status", "show_status", is_flag=True,
              help="Show the workers' heartbeats and the outbox, and exit.")
@with_appcontext
def worker_command(once: bool, interval: int | None, show_status: bool) -> None:
    if show_status:
        print_status()
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = Worker(app, interval or int(app.config["EVENTHUB_WORKER_INTERVAL_SECONDS"]))
    if not once:
        click.echo(f"EventHub worker {worker.name}: a pass every {worker.interval} s; links "
                   f"in mail: {app.config['EVENTHUB_PUBLIC_BASE_URL']}")
        sys.stdout.flush()
    report = worker.run(once=once)
    if once and report is not None:
        click.echo(f"Worker pass: {report}.")
        if report.failed or report.errors:
            sys.exit(1)
