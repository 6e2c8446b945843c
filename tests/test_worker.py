"""The background worker (`eventhub worker`): two worker processes deliver 500 queued
messages to a real SMTP server, each exactly once (and a control run with the claim guard
off sends some twice); invitation reminders, queued once; heartbeats and stopping; the
addresses in mail (PUBLIC_BASE_URL, required in production; the listening address in
development) and the Message-ID's domain."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from _attendance import RSVP_URL, in_days, open_edition, organization, sent_invitation
from aiosmtpd.controller import Controller
from flask import Flask

from eventhub.extensions import db, utcnow
from eventhub.invitations.models import Invitation
from eventhub.mail.models import OutboxMessage, OutboxStatus
from eventhub.mail.service import deliver_pending, queue_message
from eventhub.settings import SettingsError, load_settings, validate_settings
from eventhub.worker_models import WorkerHeartbeat
from tests.smtp import RecordingHandler, free_port, smtp_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"(https?://[^/\s]+)/rsvp/([A-Za-z0-9_-]+)")


def body_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


# --- a real SMTP server that holds the first mails until both workers send -------------


class GatedHandler:
    """Records like tests/smtp.py, but holds each DATA until `parties` connections are
    waiting at once (or a minute passed): then two workers are certainly sending at the
    same time, whatever their start-up took, and the race is real in every run."""

    def __init__(self, parties: int) -> None:
        self.recorder = RecordingHandler()
        self.parties = parties
        self.waiting: set[tuple] = set()
        self.open = False

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.open:
            self.waiting.add(tuple(session.peer))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while (not self.open and len(self.waiting) < self.parties
                   and loop.time() < deadline):
                await asyncio.sleep(0.01)
            self.open = True
        return await self.recorder.handle_DATA(server, session, envelope)


@pytest.fixture
def gated_smtp():
    handler = GatedHandler(parties=2)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def invitation_id(app: Flask, organizer_client) -> int:
    open_edition(organizer_client)
    org = organization(organizer_client, "Immigration Bureau")
    invitation, _token = sent_invitation(app, organizer_client, org["id"])
    with app.app_context():  # the invitation's own mail is not part of the test
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
    return invitation["id"]


def queue_copies(app: Flask, invitation_id: int, copies: int) -> list[str]:
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        ids = [queue_message(invitation.focal_point_email, "invitation", "en",
                             {"invitation_id": invitation_id}).message_id
               for _ in range(copies)]
        db.session.commit()
        return ids


def run_workers(app: Flask, port: int, count: int, *, guard: bool = True
                ) -> list[subprocess.CompletedProcess]:
    """`eventhub worker --once` in `count` processes at once, on the test database."""
    env = {**os.environ, "EVENTHUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "EVENTHUB_SMTP_HOST": "127.0.0.1", "EVENTHUB_SMTP_PORT": str(port),
           "EVENTHUB_SMTP_TIMEOUT_SECONDS": "120", "EVENTHUB_LOG_LEVEL": "WARNING",
           "EVENTHUB_OUTBOX_CLAIM_GUARD": "true" if guard else "false",
           "EVENTHUB_PUBLIC_BASE_URL": "https://eventhub.example.org"}
    processes = [subprocess.Popen([sys.executable, "-m", "eventhub", "worker", "--once"],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
                 for _ in range(count)]
    results = []
    for process in processes:
        output, _ = process.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, output))
    return results


def sent_by(result: subprocess.CompletedProcess) -> int:
    found = re.search(r"Worker pass: sent (\d+), retried (\d+), failed (\d+)", result.stdout)
    assert found, result.stdout
    assert found.group(2) == found.group(3) == "0", result.stdout
    return int(found.group(1))


def test_two_worker_processes_deliver_500_messages_each_exactly_once(
        app, invitation_id, gated_smtp):
    handler, port = gated_smtp
    stored = queue_copies(app, invitation_id, 500)

    results = run_workers(app, port, 2)

    assert [r.returncode for r in results] == [0, 0], [r.stdout for r in results]
    sent = [sent_by(r) for r in results]
    # Both workers delivered (they raced), and together every message once.
    assert all(n > 0 for n in sent) and sum(sent) == 500, sent
    received = Counter(e.message["Message-ID"] for e in handler.recorder.envelopes)
    assert received == dict.fromkeys(stored, 1)
    with app.app_context():
        assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {OutboxStatus.SENT}
        beats = list(db.session.scalars(sa.select(WorkerHeartbeat)))
    assert sorted(beat.total_sent for beat in beats) == sorted(sent)
    assert all(beat.stopped_at is not None for beat in beats)


def test_control_without_the_claim_guard_two_workers_send_twice(
        app, invitation_id, gated_smtp):
    handler, port = gated_smtp
    stored = queue_copies(app, invitation_id, 40)

    results = run_workers(app, port, 2, guard=False)

    assert [r.returncode for r in results] == [0, 0], [r.stdout for r in results]
    received = Counter(e.message["Message-ID"] for e in handler.recorder.envelopes)
    assert set(received) == set(stored)
    doubles = [message_id for message_id, n in received.items() if n > 1]
    assert doubles, "without the claim guard no message went out twice: the test proves nothing"


def test_production_refuses_to_start_without_production_guards():
    environ = {"EVENTHUB_ENV": "production", "EVENTHUB_SECRET_KEY": "s" * 40,
               "EVENTHUB_DATABASE_URL": "postgresql+psycopg://eventhub@db/eventhub",
               "EVENTHUB_DATA_ENCRYPTION_KEY": "a-key"}
    with pytest.raises(SettingsError, match="EVENTHUB_PUBLIC_BASE_URL"):
        validate_settings(load_settings(environ))
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL must be an http"):
        validate_settings(load_settings({**environ,
                                         "EVENTHUB_PUBLIC_BASE_URL": "eventhub.example.org"}))
    with pytest.raises(SettingsError, match="OUTBOX_CLAIM_GUARD"):
        validate_settings(load_settings({**environ, "EVENTHUB_OUTBOX_CLAIM_GUARD": "false",
                                         "EVENTHUB_PUBLIC_BASE_URL": "https://e.example.org"}))
    settings = load_settings({**environ,
                              "EVENTHUB_PUBLIC_BASE_URL": "https://eventhub.example.org/"})
    validate_settings(settings)
    assert settings["PUBLIC_BASE_URL"] == "https://eventhub.example.org"
    assert settings["PUBLIC_BASE_URL_IS_DEFAULT"] is False
    development = load_settings({})
    validate_settings(development)
    assert (development["PUBLIC_BASE_URL"], development["PUBLIC_BASE_URL_IS_DEFAULT"]) == (
        "http://127.0.0.1:5000", True)


def test_links_and_message_ids_use_the_configured_address(
        app, monkeypatch, invitation_id, smtp_server):  # noqa: F811
    monkeypatch.setitem(app.config, "EVENTHUB_PUBLIC_BASE_URL",
                        "https://eventhub.example.org")
    [message_id] = queue_copies(app, invitation_id, 1)
    with app.app_context():
        assert deliver_pending().sent == 1

    [mail] = smtp_server.messages
    assert mail["Message-ID"] == message_id
    assert message_id.endswith("@eventhub.example.org>")
    assert "eventhub.invalid" not in message_id
    [(base, token)] = LINK.findall(body_of(mail))
    assert base == "https://eventhub.example.org"
    html = mail.get_body(("html",)).get_content()
    assert f'<a href="{base}/rsvp/{token}">' in html


def test_serve_puts_its_listening_address_in_links_and_in_the_worker_it_starts(
        app, cli, monkeypatch, invitation_id, smtp_server):  # noqa: F811
    monkeypatch.setitem(app.config, "EVENTHUB_PUBLIC_BASE_URL",
                        app.config["EVENTHUB_PUBLIC_BASE_URL"])
    started: list[dict] = []
    served: list[tuple] = []

    class FakeProcess:
        pid = 4242

        def __init__(self, args, env):
            started.append({"args": args, "env": env})

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    def fake_run_simple(host, port, application, **options):
        served.append((host, port))
        queue_copies(app, invitation_id, 1)
        with app.app_context():
            assert deliver_pending().sent == 1

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    monkeypatch.setattr(subprocess, "Popen", FakeProcess)

    result = cli("serve", "--host", "127.0.0.1", "--port", "8765", "--worker")

    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8765)]
    assert "Links in e-mails:  http://127.0.0.1:8765" in result.output
    [worker] = started
    assert worker["args"][-1] == "worker"
    assert worker["env"]["EVENTHUB_PUBLIC_BASE_URL"] == "http://127.0.0.1:8765"
    [mail] = smtp_server.messages
    [(base, _token)] = LINK.findall(body_of(mail))
    assert base == "http://127.0.0.1:8765"
    assert mail["Message-ID"].endswith("@127.0.0.1>")


# --- scheduled jobs -------------------------------------------------------------------


def make_sent(app: Flask, organizer_client, name: str, *, deadline_days: float,
              sent_days_ago: float, language: str = "en") -> tuple[int, str]:
    org = organization(organizer_client, name)
    invitation, token = sent_invitation(app, organizer_client, org["id"],
                                        deadline=in_days(deadline_days),
                                        focal_point_language=language,
                                        focal_point_email=f"{name.split()[0]}@example.org")
    with app.app_context():
        db.session.execute(sa.update(Invitation).where(Invitation.id == invitation["id"])
                           .values(sent_at=utcnow() - dt.timedelta(days=sent_days_ago)))
        db.session.commit()
    return invitation["id"], token


def test_reminders_are_queued_once_in_the_focal_points_language(
        app, cli, organizer_client, client, smtp_server):  # noqa: F811
    open_edition(organizer_client)
    due, token = make_sent(app, organizer_client, "Wang Bureau", deadline_days=2,
                           sent_days_ago=10, language="zh")
    make_sent(app, organizer_client, "Later Ministry", deadline_days=10, sent_days_ago=10)
    make_sent(app, organizer_client, "Recent Agency", deadline_days=2, sent_days_ago=1)
    _answered, answered_token = make_sent(app, organizer_client, "Answered Office",
                                          deadline_days=2, sent_days_ago=10)
    assert client.post(f"{RSVP_URL}/{answered_token}/accept").status_code == 200
    with app.app_context():  # the invitations' own mails are not part of the test
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()

    for _ in range(2):
        result = cli("worker", "--once")
        assert result.exit_code == 0, result.output

    with app.app_context():
        reminders = list(db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == "invitation_reminder")))
        reminded = {i.id: i.reminder_queued_at for i in db.session.scalars(
            sa.select(Invitation))}
    assert [(m.params["invitation_id"], m.status) for m in reminders] == [
        (due, OutboxStatus.SENT)]
    assert [i for i, at in reminded.items() if at is not None] == [due]
    [mail] = [m for m in smtp_server.messages if m["To"] == "Wang@example.org"
              and "提醒" in str(m["Subject"])]
    assert mail["Content-Language"] == "zh"
    [(base, link_token)] = LINK.findall(body_of(mail))
    assert (base, link_token) == ("http://127.0.0.1:5000", token)
    assert client.get(f"/api/v1/rsvp/{token}").status_code == 200


def test_a_reminder_is_not_sent_once_the_invitation_is_answered(
        app, cli, organizer_client, client, smtp_server):  # noqa: F811
    open_edition(organizer_client)
    _due, token = make_sent(app, organizer_client, "Late Answer", deadline_days=1,
                           sent_days_ago=10)
    with app.app_context():
        from eventhub.invitations.reminders import queue_due_reminders

        assert queue_due_reminders(utcnow(), 3) == 1
        assert queue_due_reminders(utcnow(), 3) == 0
    assert client.post(f"{RSVP_URL}/{token}/accept").status_code == 200

    cli("worker", "--once")

    with app.app_context():
        [reminder] = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == "invitation_reminder"))
    assert reminder.status == OutboxStatus.FAILED
    assert reminder.last_error == "invitation no longer valid"
    assert not [m for m in smtp_server.messages if "Reminder" in str(m["Subject"])]


def test_retention_runs_at_most_once_a_day(app, monkeypatch):
    from eventhub.worker import claim_job

    now = utcnow()
    with app.app_context():
        assert claim_job("retention", dt.timedelta(days=1), now) == (True, None)
        assert claim_job("retention", dt.timedelta(days=1), now)[0] is False
        later = now + dt.timedelta(hours=23)
        assert claim_job("retention", dt.timedelta(days=1), later)[0] is False
        next_day = now + dt.timedelta(days=1, minutes=1)
        taken, previous = claim_job("retention", dt.timedelta(days=1), next_day)
    assert taken and previous == now


def test_worker_status_lists_heartbeats_and_the_outbox(app, cli, invitation_id):
    queue_copies(app, invitation_id, 2)
    result = cli("worker", "--status")
    assert "No worker has run yet" in result.output
    assert "outbox: 2 due" in result.output
    assert "No worker has run" in cli("mail", "status").output


def test_the_worker_delivers_and_stops_cleanly_on_sigterm(app, invitation_id,
                                                          smtp_server):  # noqa: F811
    """The loop in this process: it delivers, then SIGTERM ends it after the message it
    sends, and its heartbeat says it stopped."""
    import signal
    import threading
    import time

    from eventhub.worker import Worker

    stored = queue_copies(app, invitation_id, 3)

    def stop_once_delivered() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(smtp_server.messages) < 3:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=stop_once_delivered, daemon=True).start()
    Worker(app, interval=1).run()

    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(stored)
    with app.app_context():
        [beat] = db.session.scalars(sa.select(WorkerHeartbeat))
    assert beat.stopped_at is not None and beat.total_sent == 3 and beat.pid == os.getpid()
    assert signal.getsignal(signal.SIGTERM) == before  # the process's own handler is back
