"""The e-mail outbox, delivered to a real SMTP server (aiosmtpd on 127.0.0.1).

Editions and organizations are made through the HTTP API; invitations are rows written
with the models (status "sent", a fresh nonce and the digest of its token), queued with
queue_message and committed, then delivered by `eventhub mail send` or deliver_pending.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from _helpers import create_edition, create_organization, create_series
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from eventhub import create_app
from eventhub.extensions import db, utcnow
from eventhub.invitations import tokens
from eventhub.invitations.models import Invitation, InvitationStatus
from eventhub.mail import service
from eventhub.mail.cli import mail_group
from eventhub.mail.models import OutboxMessage, OutboxStatus
from eventhub.mail.service import deliver_pending, outbox_status, queue_message
from tests.smtp import SmtpServer, free_port, smtp_server  # noqa: F401

# Still ahead: the mail of an invitation past its deadline (expired) is no longer sent.
DEADLINE = dt.datetime(2099, 10, 31, 15, 59, tzinfo=dt.UTC)
LINK = re.compile(r"http://127\.0\.0\.1:5000/rsvp/([A-Za-z0-9_-]+)")


@pytest.fixture(autouse=True)
def _mail_commands(app: Flask) -> None:
    if "mail" not in app.cli.commands:
        app.cli.add_command(mail_group)


@pytest.fixture
def nonces() -> list[str]:
    """Every nonce issued in the test, so that `server` can check none reached it."""
    return []


@pytest.fixture
def server(smtp_server: SmtpServer, nonces: list[str]) -> Iterator[SmtpServer]:  # noqa: F811
    yield smtp_server
    for envelope in smtp_server.envelopes:
        text = envelope.message.get_body(("plain",)).get_content()
        for nonce in nonces:
            assert nonce.encode() not in envelope.raw
            assert nonce not in text


@pytest.fixture
def edition(organizer_client) -> dict[str, Any]:
    create_series(organizer_client)
    return create_edition(organizer_client)


@pytest.fixture
def make_invitation(app: Flask, organizer_client, edition, nonces):
    """Create an invitation (status sent) for a new organization; return its id."""
    counter = iter(range(1, 1000))

    def make(language: str = "en", name: str = "Ms Li Hua", quota: int = 3) -> int:
        organization = create_organization(organizer_client,
                                           f"Ministry of Public Security {next(counter)}")
        nonce = tokens.new_nonce()
        nonces.append(nonce)
        with app.app_context():
            invitation = Invitation(
                edition_id=edition["id"], organization_id=organization["id"],
                focal_point_name=name, focal_point_email=f"focal-{language}@example.org",
                focal_point_language=language, quota=quota, deadline=DEADLINE,
                status=InvitationStatus.SENT, token_nonce=nonce,
                token_digest=tokens.digest_of(tokens.token_for(nonce)), sent_at=utcnow())
            db.session.add(invitation)
            db.session.commit()
            return invitation.id

    return make


def queue_invitation(app: Flask, invitation_id: int, copies: int = 1) -> list[int]:
    """Queue the invitation mail (as the invitations service does) and commit."""
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        messages = [queue_message(invitation.focal_point_email, "invitation",
                                  invitation.focal_point_language,
                                  {"invitation_id": invitation.id})
                    for _ in range(copies)]
        db.session.commit()
        return [m.id for m in messages]


def outbox(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def change(app: Flask, message_id: int, **values: Any) -> None:
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(**values))
        db.session.commit()


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


# --- rendering and delivery -----------------------------------------------------------


def test_invitation_is_delivered_in_english_when_no_catalog_exists_for_the_language(
        app, cli, server, make_invitation, edition):
    invitation_id = make_invitation(language="fr", name="Mme Claire Martin")
    [message_id] = queue_invitation(app, invitation_id)

    result = cli("mail", "send")

    assert result.exit_code == 0, result.output
    assert "sent 1, retried 0, failed 0" in result.output
    [envelope] = server.envelopes
    mail = envelope.message
    stored = outbox(app, message_id)
    assert envelope.rcpt_tos == ["focal-fr@example.org"]
    assert mail["To"] == "focal-fr@example.org"
    assert mail["From"] == app.config["EVENTHUB_MAIL_FROM"]
    assert mail["Subject"] == f"Invitation: {edition['title']}"
    assert mail["Message-ID"] == stored.message_id
    # In the domain of the address people reach the service at (PUBLIC_BASE_URL).
    assert re.fullmatch(r"<[0-9a-f]{32}@127\.0\.0\.1>", stored.message_id)
    sent_date = email.utils.parsedate_to_datetime(mail["Date"])
    assert abs(sent_date - utcnow()) < dt.timedelta(minutes=1)
    assert mail["Content-Language"] == "en"
    body = body_of(mail)
    # The deadline in the edition's zone (15:59 UTC is 23:59 in Shanghai), the zone named.
    for expected in ("Dear Mme Claire Martin,", "Ministry of Public Security 1",
                     f"the {edition['title']}", "in Suzhou", "Nov 20\u2009\u2013\u200921, 2024",
                     "up to 3 persons", "Oct 31, 2099, 11:59\u202fPM (China Time)"):
        assert expected in body, expected
    assert "UTC" not in body
    [token] = LINK.findall(body)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert tokens.digest_of(token) == invitation.token_digest
    assert stored.status == OutboxStatus.SENT
    assert stored.sent_at is not None
    assert stored.attempts == 0
    assert stored.last_error is None


ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def template_english(body: str, *data: str) -> list[str]:
    """Latin words left in a mail once the data it carries (names, link) are taken out:
    English sentences of the template show up here."""
    for value in data:
        body = body.replace(value, " ")
    return ENGLISH_WORD.findall(LINK.sub(" ", body))


@pytest.mark.parametrize("language", ["zh", "zh-CN", "ZH_cn"])
def test_invitation_is_delivered_in_chinese_with_a_visible_fallback_for_missing_words(
        app, cli, server, make_invitation, edition, language):
    """No Chinese title or city is stored: the mail shows the English ones, named as
    English, inside Chinese sentences with Chinese dates."""
    invitation_id = make_invitation(language=language, name="李华女士")
    queue_invitation(app, invitation_id)

    result = cli("mail", "send")

    assert result.exit_code == 0, result.output
    [mail] = server.messages
    assert mail["Subject"] == f"邀请函：{edition['title']}（英语）"
    assert mail["Content-Language"] == "zh"
    body = body_of(mail)
    for expected in ("尊敬的李华女士：", "诚挚邀请", "2024年11月20日", "21日",
                     "在Suzhou（英语）举行", "至多为3人", "2099年10月31日 23:59",
                     "中国时间", "此致", "敬礼！", "秘书处"):
        assert expected in body, expected
    assert template_english(body, edition["title"], "Suzhou",
                            "Ministry of Public Security 1") == []
    [token] = LINK.findall(body)
    with app.app_context():
        assert tokens.matches(token, db.session.get(Invitation, invitation_id).token_digest)


def test_a_chinese_mail_uses_the_editions_chinese_words(app, cli, server, make_invitation,
                                                       edition, monkeypatch):
    """Where the edition has Chinese words (as editions.words gives them), the Chinese mail
    holds no English title and no "Suzhou"."""
    from eventhub.editions import words

    chinese = {"title": "2024年移民管理合作分论坛", "city": "苏州"}

    def in_language(obj, field, locale=None):
        wanted = (locale or words.language()).split("_")[0]
        if wanted == "zh" and field in chinese:
            return words.Words(chinese[field], "zh", "zh")
        return words.Words(getattr(obj, field) or "", "en", wanted)

    monkeypatch.setattr(words, "in_language", in_language)
    queue_invitation(app, make_invitation(language="zh", name="李华女士"))

    cli("mail", "send")

    [mail] = server.messages
    body = body_of(mail)
    assert mail["Subject"] == "邀请函：2024年移民管理合作分论坛"
    assert "出席2024年移民管理合作分论坛。会议定于2024年11月20日" in body
    assert "在苏州举行" in body and "2024年移民管理合作分论坛秘书处" in body
    assert "Suzhou" not in body and edition["title"] not in body and "英语" not in body
    assert template_english(body, "Ministry of Public Security 1") == []


def test_every_mail_has_a_plain_and_an_html_part_saying_the_same(app, cli, server,
                                                                  make_invitation, edition):
    """multipart/alternative as mail clients expect: the plain text, then HTML in the
    mail's language with the link as an anchor and every value escaped; headers and
    Chinese text survive Python's own parser; the Message-ID is in the service's domain."""
    from bs4 import BeautifulSoup

    queue_invitation(app, make_invitation(language="zh", name="李华 <b>&amp; Co</b>"))

    assert cli("mail", "send").exit_code == 0

    [envelope] = server.envelopes
    assert max(envelope.raw) < 128  # 7-bit on the wire: any relay passes it unchanged
    mail = email.message_from_bytes(envelope.raw, policy=email.policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == [
        "text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in mail.iter_parts())
    assert mail["Subject"] == f"邀请函：{edition['title']}（英语）"
    assert re.fullmatch(r"<[0-9a-f]{32}@127\.0\.0\.1>", mail["Message-ID"])
    assert "@eventhub>" not in mail["Message-ID"]
    sent = email.utils.parsedate_to_datetime(mail["Date"])
    assert abs(sent - utcnow()) < dt.timedelta(minutes=1)
    assert mail["Content-Language"] == "zh"

    # The SMTP policy's line ends are CRLF, also inside the decoded parts.
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    page = BeautifulSoup(html, "html.parser")
    assert page.html["lang"] == "zh"
    assert page.title.get_text() == mail["Subject"]
    [link] = LINK.findall(plain)
    [anchor] = page.find_all("a")
    assert anchor["href"] == anchor.get_text() == f"http://127.0.0.1:5000/rsvp/{link}"
    # The name is text, not markup, in both parts.
    assert "尊敬的李华 <b>&amp; Co</b>：" in plain
    assert page.find("b") is None
    assert "尊敬的李华 <b>&amp; Co</b>：" in page.get_text()
    # Paragraph for paragraph the same words; the footer below a rule.
    paragraphs = [" ".join(p.get_text().split()) for p in page.find_all("p")]
    blocks = [block.removeprefix("--\n") for block in plain.strip().split("\n\n")]
    assert paragraphs == [" ".join(block.split()) for block in blocks]
    assert page.find("hr") is not None
    assert "秘书处" in paragraphs[-2] and "自动" in paragraphs[-1]


def test_mail_languages_are_the_offered_catalogs_by_tag_or_primary_subtag():
    assert service.resolve_language("zh-Hans-CN") == "zh"
    assert service.resolve_language("en-GB") == "en"
    assert service.resolve_language("fr") == "en"
    assert service.resolve_language("") == "en"
    assert service.resolve_language("../../etc/passwd") == "en"


def test_queue_message_only_flushes_the_caller_commits(app, make_invitation):
    invitation_id = make_invitation()
    with app.app_context():
        message = queue_message("a@example.org", "invitation", "en",
                                {"invitation_id": invitation_id})
        assert message.id is not None
        assert message.status == OutboxStatus.PENDING
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_queue_message_refuses_what_it_could_never_send(app, make_invitation):
    invitation_id = make_invitation()
    with app.app_context():
        with pytest.raises(ValueError, match="unknown mail template"):
            queue_message("a@example.org", "no_such_template", "en", {})
        with pytest.raises(ValueError, match="recipient"):
            queue_message("a@example.org\r\nBcc: x@example.org", "invitation", "en",
                          {"invitation_id": invitation_id})
        with pytest.raises(ValueError, match="does not exist"):
            queue_message("a@example.org", "invitation", "en", {"invitation_id": 999999})
        db.session.rollback()


def test_queued_params_identify_the_link_without_holding_the_nonce(app, make_invitation,
                                                                   nonces):
    invitation_id = make_invitation()
    [message_id] = queue_invitation(app, invitation_id)

    params = outbox(app, message_id).params

    assert params == {"invitation_id": invitation_id,
                      "token_nonce_hash": service.nonce_hash(nonces[0])}
    assert nonces[0] not in str(params)


# --- exactly once ---------------------------------------------------------------------


def test_smtp_down_loses_nothing_and_sends_once_when_it_is_back(app, cli, server,
                                                                make_invitation, caplog):
    invitation_id = make_invitation()
    [message_id] = queue_invitation(app, invitation_id)
    app.config["EVENTHUB_SMTP_PORT"] = free_port()  # nothing listens there

    with caplog.at_level(logging.INFO, logger="eventhub.mail"):
        result = cli("mail", "send")

    assert result.exit_code == 0, result.output
    assert "sent 0, retried 1, failed 0" in result.output
    assert server.messages == []
    stored = outbox(app, message_id)
    assert stored.status == OutboxStatus.PENDING
    assert stored.attempts == 1
    assert stored.next_attempt_at > utcnow() + dt.timedelta(seconds=20)
    assert stored.last_error and "Connection refused" in stored.last_error
    with app.app_context():
        token = tokens.token_for(db.session.get(Invitation, invitation_id).token_nonce)
    assert token not in stored.last_error
    assert token not in caplog.text

    # The server is back, but the message is not due yet.
    app.config["EVENTHUB_SMTP_PORT"] = server.port
    assert "sent 0, retried 0, failed 0" in cli("mail", "send").output
    assert server.messages == []

    # Its time has come: delivered, exactly once.
    change(app, message_id, next_attempt_at=utcnow() - dt.timedelta(seconds=1))
    assert "sent 1, retried 0, failed 0" in cli("mail", "send").output
    assert "sent 0, retried 0, failed 0" in cli("mail", "send").output
    [mail] = server.messages
    stored = outbox(app, message_id)
    assert mail["Message-ID"] == stored.message_id
    assert (stored.status, stored.attempts) == (OutboxStatus.SENT, 1)


def test_a_dead_server_stops_the_run_without_spending_other_messages_attempts(
        app, server, make_invitation):
    first, second, third = queue_invitation(app, make_invitation(), copies=3)
    app.config["EVENTHUB_SMTP_PORT"] = free_port()

    with app.app_context():
        report = deliver_pending()

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert outbox(app, first).attempts == 1
    for untouched in (second, third):
        stored = outbox(app, untouched)
        assert (stored.status, stored.attempts) == (OutboxStatus.PENDING, 0)
        assert stored.next_attempt_at <= utcnow()


def test_sending_twice_never_delivers_twice(app, cli, server, make_invitation):
    ids = queue_invitation(app, make_invitation(), copies=2)
    ids += queue_invitation(app, make_invitation(language="zh"))

    assert "sent 3, retried 0, failed 0" in cli("mail", "send").output
    assert "sent 0, retried 0, failed 0" in cli("mail", "send").output

    with app.app_context():
        stored = {db.session.get(OutboxMessage, i).message_id for i in ids}
    received = Counter(mail["Message-ID"] for mail in server.messages)
    assert received == dict.fromkeys(stored, 1)


def test_limit_bounds_one_run(app, cli, server, make_invitation):
    queue_invitation(app, make_invitation(), copies=3)

    assert "sent 2, retried 0, failed 0" in cli("mail", "send", "--limit", "2").output
    assert "sent 1, retried 0, failed 0" in cli("mail", "send").output
    assert len(server.messages) == 3


def test_message_stuck_in_sending_is_not_resent_and_is_listed(app, cli, server,
                                                              make_invitation):
    stuck, fresh = queue_invitation(app, make_invitation(), copies=2)
    # A sender claimed it 20 minutes ago and died: it may or may not have gone out.
    change(app, stuck, status=OutboxStatus.SENDING,
           claimed_at=utcnow() - dt.timedelta(minutes=20))

    assert "sent 1, retried 0, failed 0" in cli("mail", "send").output
    [mail] = server.messages
    assert mail["Message-ID"] == outbox(app, fresh).message_id
    assert outbox(app, stuck).status == OutboxStatus.SENDING

    with app.app_context():
        status = outbox_status()
    assert status == {"pending": 0, "sending": 1, "sent": 1, "failed": 0,
                      "stuck_sending": [stuck]}
    result = cli("mail", "status")
    assert result.exit_code == 0
    assert re.search(r"sending\s+1", result.output)
    assert "more than 15 minutes" in result.output and str(stuck) in result.output

    # An operator checked that it did not go out, and sends it again.
    assert cli("mail", "retry", str(stuck)).exit_code == 0
    assert "sent 1, retried 0, failed 0" in cli("mail", "send").output
    assert len(server.messages) == 2


def test_recently_claimed_message_is_not_reported_stuck(app, make_invitation):
    [message_id] = queue_invitation(app, make_invitation())
    change(app, message_id, status=OutboxStatus.SENDING, claimed_at=utcnow())

    with app.app_context():
        assert outbox_status()["stuck_sending"] == []


def test_retry_refuses_sent_messages(app, cli, server, make_invitation):
    [message_id] = queue_invitation(app, make_invitation())
    cli("mail", "send")

    result = cli("mail", "retry", str(message_id))

    assert result.exit_code == 1
    assert "only failed or stuck" in result.output
    assert outbox(app, message_id).status == OutboxStatus.SENT


# --- what must not be sent ------------------------------------------------------------


def test_revoked_invitation_is_not_sent(app, cli, server, make_invitation):
    invitation_id = make_invitation()
    [message_id] = queue_invitation(app, invitation_id)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation.status = InvitationStatus.REVOKED
        invitation.revoked_at = utcnow()
        db.session.commit()

    result = cli("mail", "send")

    assert result.exit_code == 1
    assert "sent 0, retried 0, failed 1" in result.output
    assert server.messages == []
    stored = outbox(app, message_id)
    assert stored.status == OutboxStatus.FAILED
    assert stored.last_error == "invitation no longer valid"


def test_mail_for_a_replaced_link_is_not_sent_but_the_new_one_is(app, cli, server,
                                                                make_invitation, nonces):
    invitation_id = make_invitation()
    [old_message] = queue_invitation(app, invitation_id)
    # A resend: new nonce (the old link dies), new mail, same transaction.
    nonce = tokens.new_nonce()
    nonces.append(nonce)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation.token_nonce = nonce
        invitation.token_digest = tokens.digest_of(tokens.token_for(nonce))
        db.session.flush()
        new_message = queue_message(invitation.focal_point_email, "invitation", "en",
                                    {"invitation_id": invitation_id}).id
        db.session.commit()
        new_token = tokens.token_for(nonce)

    result = cli("mail", "send")

    assert "sent 1, retried 0, failed 1" in result.output
    assert result.exit_code == 1
    assert outbox(app, old_message).last_error == "invitation no longer valid"
    assert outbox(app, new_message).status == OutboxStatus.SENT
    [mail] = server.messages
    assert LINK.findall(body_of(mail)) == [new_token]


def test_permanent_smtp_error_fails_at_once_temporary_one_is_retried(app, cli, server,
                                                                     make_invitation):
    temporary, permanent = queue_invitation(app, make_invitation(), copies=2)
    server.reply_with("451 4.3.0 Mailbox busy, try later", "550 5.1.1 No such user")

    result = cli("mail", "send")

    assert "sent 0, retried 1, failed 1" in result.output
    assert result.exit_code == 1
    stored = outbox(app, temporary)
    assert (stored.status, stored.attempts) == (OutboxStatus.PENDING, 1)
    assert stored.last_error.startswith("SMTP 451")
    stored = outbox(app, permanent)
    assert (stored.status, stored.attempts) == (OutboxStatus.FAILED, 1)
    assert stored.last_error.startswith("SMTP 550")
    assert server.messages == []


def test_message_fails_after_max_attempts(app, cli, server, make_invitation, monkeypatch):
    monkeypatch.setitem(app.config, "EVENTHUB_MAIL_MAX_ATTEMPTS", 3)
    [message_id] = queue_invitation(app, make_invitation())
    app.config["EVENTHUB_SMTP_PORT"] = free_port()

    for attempt in (1, 2):
        result = cli("mail", "send")
        assert result.exit_code == 0 and "retried 1" in result.output
        stored = outbox(app, message_id)
        assert (stored.status, stored.attempts) == (OutboxStatus.PENDING, attempt)
        change(app, message_id, next_attempt_at=utcnow() - dt.timedelta(seconds=1))
    result = cli("mail", "send")

    assert result.exit_code == 1
    assert "sent 0, retried 0, failed 1" in result.output
    stored = outbox(app, message_id)
    assert (stored.status, stored.attempts) == (OutboxStatus.FAILED, 3)
    status = cli("mail", "status").output
    assert re.search(r"failed\s+1", status) and "Connection refused" in status
    assert server.messages == []


def test_backoff_is_exponential_and_capped():
    assert [service.backoff(n).total_seconds() for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600]
    assert service.backoff(1000) == dt.timedelta(hours=1)


def test_no_message_reaching_the_server_contains_a_raw_nonce(app, cli, smtp_server,  # noqa: F811
                                                             make_invitation, nonces):
    for language in ("en", "zh", "fr"):
        queue_invitation(app, make_invitation(language=language))

    cli("mail", "send")

    assert len(smtp_server.envelopes) == 3
    for envelope in smtp_server.envelopes:
        decoded = body_of(envelope.message) + str(envelope.message["Subject"])
        for nonce in nonces:
            assert nonce.encode() not in envelope.raw
            assert nonce not in decoded
            assert service.nonce_hash(nonce) not in decoded


def test_invitation_sent_through_the_api_reaches_the_focal_point_with_a_working_link(
        app, cli, server, organizer_client):
    """The whole chain: the invitations API queues in its transaction, a resend kills the
    first mail's link, `mail send` delivers the second, and its link opens the invitation."""
    create_series(organizer_client)
    create_edition(organizer_client, slug="sfmmc-2030", start_date="2030-11-20",
                   end_date="2030-11-21")
    assert organizer_client.post("/api/v1/editions/sfmmc-2030/status",
                                 json={"status": "open"}).status_code == 200
    organization = create_organization(organizer_client, "Immigration Bureau")
    response = organizer_client.post("/api/v1/editions/sfmmc-2030/invitations", json={
        "organization_id": organization["id"], "focal_point_name": "王明先生",
        "focal_point_email": "wang@example.org", "focal_point_language": "zh-CN", "quota": 4,
        "deadline": "2030-10-01T00:00:00+00:00"})
    assert response.status_code == 201, response.json
    send_url = f"/api/v1/editions/sfmmc-2030/invitations/{response.json['id']}/send"
    for _ in range(2):
        assert organizer_client.post(send_url).status_code == 200

    result = cli("mail", "send")

    assert "sent 1, retried 0, failed 1" in result.output
    [mail] = server.messages
    assert mail["To"] == "wang@example.org"
    assert "尊敬的王明先生：" in body_of(mail)
    [token] = LINK.findall(body_of(mail))
    assert organizer_client.get(f"/api/v1/rsvp/{token}").status_code == 200


# --- several senders ------------------------------------------------------------------


def _race(app: Flask, senders: int) -> list[service.DeliveryReport]:
    barrier = threading.Barrier(senders)
    reports: list[service.DeliveryReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                reports.append(deliver_pending(limit=100))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return reports


def _assert_each_delivered_once(app, server, ids, reports) -> None:
    assert sum(r.sent for r in reports) == len(ids)
    assert sum(r.retried + r.failed for r in reports) == 0
    with app.app_context():
        stored = {db.session.get(OutboxMessage, i).message_id for i in ids}
        statuses = set(db.session.scalars(sa.select(OutboxMessage.status)))
    assert Counter(mail["Message-ID"] for mail in server.messages) == dict.fromkeys(stored, 1)
    assert statuses == {OutboxStatus.SENT}


@pytest.mark.postgres_only
def test_two_senders_on_postgresql_deliver_each_message_once(app, is_postgres, server,
                                                             make_invitation):
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL (EVENTHUB_TEST_DATABASE_URL)")
    ids = queue_invitation(app, make_invitation(), copies=30)

    reports = _race(app, senders=2)

    _assert_each_delivered_once(app, server, ids, reports)
    # SKIP LOCKED: both senders worked, neither waited for the other's rows.
    assert all(r.sent > 0 for r in reports), reports


def test_concurrent_senders_on_sqlite_deliver_each_message_once(app, is_postgres, server,
                                                                make_invitation):
    if is_postgres:
        pytest.skip("the PostgreSQL variant is test_two_senders_on_postgresql_...")
    ids = queue_invitation(app, make_invitation(), copies=12)

    reports = _race(app, senders=3)

    _assert_each_delivered_once(app, server, ids, reports)


# --- in-process delivery --------------------------------------------------------------


@pytest.fixture
def web_server(app: Flask, server: SmtpServer) -> Iterator[tuple[Flask, str]]:
    """A second app on the same database with MAIL_SEND_IN_PROCESS on, served by a real
    threaded werkzeug server, with a route that queues an invitation mail (as the
    invitations API does) and answers with the status asked for."""
    web = create_app({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                      "MAIL_SEND_IN_PROCESS": True, "SMTP_PORT": server.port})
    web.config["TESTING"] = True

    @web.post("/test/queue/<int:invitation_id>")
    def queue(invitation_id: int):
        invitation = db.session.get(Invitation, invitation_id)
        message = queue_message(invitation.focal_point_email, "invitation", "en",
                                {"invitation_id": invitation_id})
        return jsonify(id=message.id), int(request.args.get("status", 201))

    http = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="mail-web", daemon=True)
    thread.start()
    try:
        yield web, f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
        with web.app_context():
            db.session.remove()
            db.engine.dispose()


def post(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"),
                                    timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_in_process_delivery_after_the_response(app, web_server, server, make_invitation):
    _, url = web_server
    invitation_id = make_invitation()

    status, body = post(f"{url}/test/queue/{invitation_id}")

    assert status == 201
    assert wait_for(lambda: outbox(app, body["id"]).status == OutboxStatus.SENT)
    [mail] = server.messages
    assert mail["Message-ID"] == outbox(app, body["id"]).message_id


def test_in_process_delivery_sends_nothing_for_a_failed_request(app, web_server, server,
                                                                make_invitation):
    _, url = web_server
    invitation_id = make_invitation()

    status, _ = post(f"{url}/test/queue/{invitation_id}?status=409")

    assert status == 409
    time.sleep(0.5)
    assert server.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_without_in_process_delivery_the_request_only_queues(app, web_server, server,
                                                             make_invitation):
    web, url = web_server
    web.config["EVENTHUB_MAIL_SEND_IN_PROCESS"] = False
    invitation_id = make_invitation()

    status, body = post(f"{url}/test/queue/{invitation_id}")

    assert status == 201
    time.sleep(0.5)
    assert server.messages == []
    assert outbox(app, body["id"]).status == OutboxStatus.PENDING
