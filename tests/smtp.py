"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port, in its own thread).

Use the `smtp_server` fixture: it starts a server, points the app's SMTP settings at it
for the test, and records every message it accepts. `reply_with` makes it answer the next
DATA commands with an SMTP error (e.g. "451 4.3.0 try later") instead of accepting.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nothing listens on (right now) on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class RecordingHandler:
    envelopes: list[Envelope] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            raw = envelope.original_content or envelope.content
            self.envelopes.append(Envelope(
                mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), raw=raw,
                message=email.message_from_bytes(raw, policy=email.policy.default)))
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        self._running = True

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return [e.message for e in self.handler.envelopes]

    @property
    def envelopes(self) -> list[Envelope]:
        with self.handler.lock:
            return list(self.handler.envelopes)

    def reply_with(self, *replies: str) -> None:
        """Answer the next DATA commands with these replies (e.g. "550 5.1.1 no such user")."""
        with self.handler.lock:
            self.handler.replies.extend(replies)

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False


@pytest.fixture
def smtp_server(app, monkeypatch) -> Iterator[SmtpServer]:
    server = SmtpServer()
    # monkeypatch restores the session-scoped app's settings after the test.
    monkeypatch.setitem(app.config, "EVENTHUB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "EVENTHUB_SMTP_PORT", server.port)
    monkeypatch.setitem(app.config, "EVENTHUB_SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "EVENTHUB_SMTP_USERNAME", "")
    monkeypatch.setitem(app.config, "EVENTHUB_SMTP_TIMEOUT_SECONDS", 5)
    try:
        yield server
    finally:
        server.stop()
