"""The e-mail outbox: queue mail in the caller's transaction, deliver it over SMTP later.

Queueing (queue_message) only adds and flushes a row, so the mail exists exactly when the
change that caused it is committed. Delivery (deliver_pending: the background worker
`eventhub worker`, once by `eventhub mail send`, or in-process after a request when
MAIL_SEND_IN_PROCESS is on) takes one due message at a time:

1. claim it in a short transaction of its own (pending -> sending, guarded by the status in
   the UPDATE, and on PostgreSQL chosen with FOR UPDATE SKIP LOCKED), so two senders never
   take the same message;
2. render it from its template at that moment (the invitation link carries a secret that
   is never stored);
3. send it over SMTP, then mark it sent. A temporary failure (no connection, SMTP 4xx) puts
   it back to pending with exponential backoff; a permanent one (SMTP 5xx), or running out
   of attempts, marks it failed.

A message left in "sending" (the process died between claim and the final commit) may
have gone out, so it is never sent again automatically: `eventhub mail status` and the
outbox page (/manage/outbox) list it, and `eventhub mail retry` or the page's "Retry" let
an operator decide.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import hashlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any
from uuid import uuid4

from babel import Locale, UnknownLocaleError
from flask import after_this_request, current_app, g, has_app_context, has_request_context
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape
from sqlalchemy import func, select, update

from eventhub import dates
from eventhub.extensions import db, guard, utcnow
from eventhub.http import config, public_host, public_url
from eventhub.i18n import (
    PACKAGE_TRANSLATIONS,
    SOURCE_LOCALE,
    _,
    available_locales,
    catalog_files,
    force_locale,
    gettext,
    language,
    ngettext,
)
from eventhub.mail.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_LANGUAGE = SOURCE_LOCALE
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
STUCK_AFTER = dt.timedelta(minutes=15)
LAST_ERROR_MAX_CHARS = 500
INVITATION_NO_LONGER_VALID = "invitation no longer valid"

_TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE_TAG = re.compile(r"^[a-z0-9-]+$")


# ---------------------------------------------------------------------------------------
# Templates: a registry of template name -> context builder
# ---------------------------------------------------------------------------------------


class MessageNoLongerValid(Exception):
    """What the message is about has changed (revoked invitation, new link): send nothing."""


@dataclass(frozen=True)
class MailContext:
    """Values for a template, and the secret strings among them (the response link and its
    token) that must never appear in last_error or in logs."""

    values: dict[str, Any]
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailTemplate:
    # Called at delivery time with the stored params; raises MessageNoLongerValid.
    build_context: Callable[[dict[str, Any]], MailContext]
    # Called at queue time (in the caller's transaction) to check and complete params.
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None


TEMPLATES: dict[str, MailTemplate] = {}


def register_template(name: str, build_context: Callable[[dict[str, Any]], MailContext],
                      prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """Plug in a template: a file <name>.txt in eventhub/mail/templates/ whose texts go
    through gettext (rendered in the recipient's language), and a function that turns the
    queued params into template values (called in that language too)."""
    if not _TEMPLATE_NAME.match(name):
        raise ValueError(f"invalid template name {name!r}")
    TEMPLATES[name] = MailTemplate(build_context=build_context, prepare=prepare)


@cache
def _jinja() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=False,
                      undefined=StrictUndefined, keep_trailing_newline=False,
                      extensions=["jinja2.ext.i18n"])
    # Flask-Babel's functions read the language in force when the mail is rendered.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def _offered_languages() -> list[str]:
    if has_app_context():
        return available_locales()
    return [SOURCE_LOCALE, *sorted(code for code in catalog_files([PACKAGE_TRANSLATIONS])
                                   if code != SOURCE_LOCALE)]


def resolve_language(language: str | None) -> str:
    """The offered language a recipient's tag asks for: the tag itself ("zh_Hans"), its
    primary subtag ("zh"), else English."""
    tag = (language or "").strip().replace("-", "_")
    if not tag or not _LANGUAGE_TAG.match(tag.lower().replace("_", "-")):
        return DEFAULT_LANGUAGE
    offered = _offered_languages()
    by_lower = {code.lower(): code for code in offered}
    for candidate in (tag.lower(), tag.split("_", 1)[0].lower()):
        if candidate in by_lower:
            return by_lower[candidate]
    return DEFAULT_LANGUAGE


def shown_words(words) -> str:
    """An edition's words in a mail: a fallback to another language is named, "Xiamen (in
    English)", since the plain-text part has no lang attribute to say so."""
    if not words.is_fallback:
        return words.text
    try:
        name = Locale.parse(words.language).get_display_name(language())
    except (UnknownLocaleError, ValueError):
        name = words.language
    return _("%(words)s (in %(language)s)", words=words.text, language=name)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str
    language: str
    secrets: tuple[str, ...] = ()

    @property
    def html(self) -> str:
        return html_body(self.body, self.subject, self.language)


# A link in a plain-text mail runs to the next space; a full stop or bracket after it is
# the sentence's, not the link's.
_LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’”]")


def _linked(line: str) -> Markup:
    parts: list[Markup] = []
    position = 0
    for match in _LINK.finditer(line):
        parts.append(escape(line[position:match.start()]))
        url = match.group()
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        position = match.end()
    parts.append(escape(line[position:]))
    return Markup("").join(parts)


def html_body(text: str, subject: str, language: str) -> str:
    """The HTML part of a mail: the plain text's paragraphs (blank-line separated) as
    paragraphs, its lines as line breaks, its links as anchors, the signature separator
    "--" as a rule; every value escaped. Built from the plain text, so both parts always
    say the same thing."""
    blocks = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line.rstrip() for line in paragraph.strip("\n").split("\n")]
        if lines == ["--"]:
            blocks.append(Markup("<hr>"))
            continue
        if lines and lines[0] == "--":  # "--" directly above the footer's first line
            blocks.append(Markup("<hr>"))
            lines = lines[1:]
        blocks.append(Markup("<p>{}</p>").format(
            Markup("<br>\n").join(_linked(line) for line in lines)))
    tag = language.replace("_", "-")
    return str(Markup(
        '<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width">\n<title>{subject}</title>\n'
        '</head>\n<body style="font-family: sans-serif; line-height: 1.5; max-width: 40em">'
        '\n{body}\n</body>\n</html>\n').format(
            lang=tag, subject=subject, body=Markup("\n").join(blocks)))


class TemplateFormatError(ValueError):
    """A template file does not start with "Subject: ..." and a blank line."""


def render(template: str, language: str | None, params: dict[str, Any]) -> RenderedMail:
    """Render a queued message now. Raises MessageNoLongerValid when it must not be sent."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise TemplateFormatError(f"unknown mail template {template!r}")
    lang = resolve_language(language)
    with force_locale(lang):
        context = spec.build_context(dict(params))
        subject_template, body_template = _subject_and_body(f"{template}.txt")
        # One line, whatever the values held: no header injection through a title. The
        # subject and body are split in the template file, not in the rendered text, so a
        # value with a line break (stored before one-line fields refused them) cannot move
        # the split.
        subject = " ".join(subject_template.render(context.values).split())
        body = body_template.render(context.values).rstrip() + "\n"
    return RenderedMail(subject=subject, body=body, language=lang, secrets=context.secrets)


@cache
def _subject_and_body(name: str) -> tuple[Template, Template]:
    env = _jinja()
    source, _path, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
    first, _newline, rest = source.partition("\n")
    if not first.startswith("Subject:") or not rest.startswith("\n"):
        raise TemplateFormatError(f"{name} must start with 'Subject: ...' and a blank line")
    return env.from_string(first.removeprefix("Subject:")), env.from_string(rest[1:])


# --- the invitation template ----------------------------------------------------------


def nonce_hash(nonce: str) -> str:
    """Identifies the link a message was queued for without storing anything usable."""
    return hashlib.sha256(nonce.encode()).hexdigest()[:16]


def _load_invitation(params: dict[str, Any]):
    from eventhub.invitations.models import Invitation

    invitation_id = params.get("invitation_id")
    if not isinstance(invitation_id, int) or isinstance(invitation_id, bool):
        raise ValueError("invitation mail needs params {'invitation_id': <int>}")
    return db.session.get(Invitation, invitation_id)


def _prepare_invitation(params: dict[str, Any]) -> dict[str, Any]:
    invitation = _load_invitation(params)
    if invitation is None:
        raise ValueError(f"invitation {params['invitation_id']} does not exist")
    if not invitation.token_nonce:
        raise ValueError(f"invitation {invitation.id} has no response token")
    params.setdefault("token_nonce_hash", nonce_hash(invitation.token_nonce))
    return params


def focal_point_link(token: str) -> str:
    """The focal point's pages, as every mail to a focal point links them."""
    return public_url(f"/rsvp/{token}")


def _invitation_context(params: dict[str, Any]) -> MailContext:
    from eventhub.editions.models import Edition
    from eventhub.editions.words import in_language
    from eventhub.invitations import tokens
    from eventhub.invitations.models import InvitationStatus

    invitation = _load_invitation(params)
    if (invitation is None or invitation.status != InvitationStatus.SENT
            or not invitation.token_nonce
            or nonce_hash(invitation.token_nonce) != params.get("token_nonce_hash")):
        raise MessageNoLongerValid(INVITATION_NO_LONGER_VALID)
    edition = db.session.get(Edition, invitation.edition_id)
    if edition is None:
        raise MessageNoLongerValid(INVITATION_NO_LONGER_VALID)
    token = tokens.token_for(invitation.token_nonce)
    link = focal_point_link(token)
    title = in_language(edition, "title")
    city = in_language(edition, "city") if edition.city else None
    deadline = invitation.deadline
    if deadline.tzinfo is None:  # stored as UTC without a zone (SQLite)
        deadline = deadline.replace(tzinfo=dt.UTC)
    return MailContext(
        values={
            "edition_title": shown_words(title),
            "edition_name": _with_article(title),
            "dates": dates.day_span(edition.start_date, edition.end_date),
            "city": shown_words(city) if city else None,
            "organization_name": invitation.organization.name,
            "focal_point_name": invitation.focal_point_name,
            "quota": invitation.quota,
            # In the edition's zone, the zone named: the organizers set it in that zone.
            "deadline": dates.moment(deadline, edition.time_zone),
            "response_link": link,
        },
        secrets=(link, token, invitation.token_nonce))


def _with_article(title) -> str:
    """English runs "take part in the Sub-Forum"; a title in another language, or a mail in
    another language, takes the words as they are."""
    text = shown_words(title)
    if language() != "en" or title.language != "en" or text.lower().startswith("the "):
        return text
    return f"the {text}"


register_template("invitation", _invitation_context, prepare=_prepare_invitation)
# Queued by the worker a few days before the deadline to a focal point who has not answered:
# the same values (and the same live link), another text.
register_template("invitation_reminder", _invitation_context, prepare=_prepare_invitation)


# ---------------------------------------------------------------------------------------
# Queueing
# ---------------------------------------------------------------------------------------


def queue_message(recipient: str, template: str, language: str,
                  params: dict[str, Any], *, edition_id: int | None = None,
                  invitation_id: int | None = None, registration_id: int | None = None,
                  statement_id: int | None = None) -> OutboxMessage:
    """Add a pending message to the caller's transaction (flushed, never committed).
    The keyword ids say what the message is about (see mail.notifications.messages_about)."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise ValueError(f"unknown mail template {template!r}")
    recipient = (recipient or "").strip()
    if ("@" not in recipient or len(recipient) > 254
            or any(ch in recipient for ch in "\r\n,;<>")):
        raise ValueError("recipient must be one plain e-mail address")
    params = dict(params)
    if spec.prepare is not None:
        params = spec.prepare(params)
    message = OutboxMessage(
        recipient=recipient, template=template,
        language=(language or DEFAULT_LANGUAGE).strip()[:16] or DEFAULT_LANGUAGE,
        params=params, message_id=new_message_id(), status=OutboxStatus.PENDING,
        attempts=0, next_attempt_at=utcnow(), edition_id=edition_id,
        invitation_id=invitation_id, registration_id=registration_id,
        statement_id=statement_id)
    db.session.add(message)
    db.session.flush()
    _deliver_after_response(message.id)
    return message


def new_message_id() -> str:
    """A Message-ID in the domain of the address people reach the service at."""
    host = public_host()
    return f"<{uuid4().hex}@{f'[{host}]' if ':' in host else host}>"


def _deliver_after_response(message_id: int) -> None:
    """With MAIL_SEND_IN_PROCESS, deliver what a request queued once its response has gone
    out (after the commit; nothing is sent for a request that failed or rolled back)."""
    if not has_request_context() or not config("MAIL_SEND_IN_PROCESS"):
        return
    queued: list[int] | None = g.get("_eventhub_mail_queued")
    if queued is None:
        queued = g._eventhub_mail_queued = []
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        @after_this_request
        def deliver_on_close(response):
            # A failed commit replaces this response; its close hook then never runs.
            if response.status_code < 400:
                ids = list(queued)
                response.call_on_close(lambda: _deliver_in_new_context(app, ids))
            return response

    queued.append(message_id)


def _deliver_in_new_context(app, ids: list[int]) -> None:
    try:
        with app.app_context():
            deliver_pending(limit=len(ids), ids=ids)
    except Exception:  # the request is already answered; the CLI sender will retry
        log.exception("in-process mail delivery failed; the outbox keeps the messages")


# ---------------------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, failed {self.failed}"


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number attempts + 1: 30 s, 1 min, 2 min, ... at most 1 h."""
    exponent = max(attempts - 1, 0)
    seconds = BACKOFF_CAP_SECONDS if exponent >= 12 else min(
        BACKOFF_BASE_SECONDS * 2 ** exponent, BACKOFF_CAP_SECONDS)
    return dt.timedelta(seconds=seconds)


class _TemporaryFailure(Exception):
    pass


class _ServerUnavailable(_TemporaryFailure):
    """No usable SMTP session (connect, TLS or login failed): stop this run."""


class _PermanentFailure(Exception):
    pass


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_decode(reply)}" for code, reply in exc.recipients.values()]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code} {_decode(exc.smtp_error)}"
    detail = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {detail}"


def _decode(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _clean_error(text: str, secrets: Iterable[str]) -> str:
    """One line, bounded, with every secret (link, token, nonce, SMTP password) removed."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    text = " ".join(text.split())
    return text[:LAST_ERROR_MAX_CHARS]


def _smtp_code(exc: BaseException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


@dataclass
class _SmtpSender:
    """One SMTP session for a run, opened on first use and reopened after an error."""

    host: str
    port: int
    timeout: float
    starttls: bool
    username: str
    password: str
    _smtp: smtplib.SMTP | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls) -> _SmtpSender:
        return cls(host=config("SMTP_HOST"), port=int(config("SMTP_PORT")),
                   timeout=float(config("SMTP_TIMEOUT_SECONDS")),
                   starttls=bool(config("SMTP_STARTTLS")),
                   username=config("SMTP_USERNAME") or "",
                   password=config("SMTP_PASSWORD") or "")

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise _ServerUnavailable(_describe(exc)) from exc
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise _ServerUnavailable(_describe(exc)) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            code = _smtp_code(exc)
            if code is not None and 500 <= code <= 599:
                raise _PermanentFailure(_describe(exc)) from exc
            raise _TemporaryFailure(_describe(exc)) from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _build_email(message: OutboxMessage, rendered: RenderedMail, now: dt.datetime
                 ) -> EmailMessage:
    mail = EmailMessage(policy=email.policy.SMTP.clone(cte_type="7bit"))
    mail["From"] = config("MAIL_FROM")
    mail["To"] = message.recipient
    mail["Subject"] = rendered.subject
    mail["Date"] = email.utils.format_datetime(now)
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    # multipart/alternative: the plain text first, the HTML (what most clients show) last.
    mail.set_content(rendered.body, charset="utf-8")
    mail.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # After the parts are made, which move every Content-* header into the first part.
    mail["Content-Language"] = rendered.language.replace("_", "-")
    return mail


def claim_guard_on() -> bool:
    """Whether senders claim a message before sending it (always, except in the control
    run of the several-workers test, which must then see double sends)."""
    return bool(config("OUTBOX_CLAIM_GUARD")) and guard("outbox")


def _claim_next(now: dt.datetime, ids: list[int] | None) -> int | None:
    """Take the oldest due message for this sender, in a transaction of its own."""
    guarded = claim_guard_on()
    for _attempt in range(100):
        statement = (select(OutboxMessage.id)
                     .where(OutboxMessage.status == OutboxStatus.PENDING,
                            OutboxMessage.next_attempt_at <= now)
                     .order_by(OutboxMessage.id).limit(1))
        if ids is not None:
            statement = statement.where(OutboxMessage.id.in_(ids))
        if guarded and db.engine.dialect.name == "postgresql":
            # Another sender's claimed row is skipped, not waited for.
            statement = statement.with_for_update(skip_locked=True)
        message_id = db.session.scalar(statement)
        if message_id is None:
            db.session.rollback()
            return None
        if not guarded:
            # Control runs only: the message stays pending while it is sent, so another
            # sender may take it too.
            db.session.rollback()
            return message_id
        # The status condition makes the claim safe without row locks too (SQLite): of two
        # senders that picked the same row, only one UPDATE matches.
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
        if claimed.rowcount == 1:
            return message_id
    return None


def _finish(message_id: int, **values: Any) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _record_failure(message: OutboxMessage, report: DeliveryReport, error: str, *,
                    permanent: bool) -> None:
    attempts = message.attempts + 1
    max_attempts = int(config("MAIL_MAX_ATTEMPTS"))
    if permanent or attempts >= max_attempts:
        _finish(message.id, status=OutboxStatus.FAILED, attempts=attempts, last_error=error,
                claimed_at=None)
        report.failed += 1
        log.error("outbox message %s failed after %s attempt(s): %s", message.id, attempts,
                  error)
        return
    next_at = utcnow() + backoff(attempts)
    _finish(message.id, status=OutboxStatus.PENDING, attempts=attempts, last_error=error,
            next_attempt_at=next_at, claimed_at=None)
    report.retried += 1
    log.warning("outbox message %s not delivered (attempt %s), next try at %s: %s",
                message.id, attempts, next_at.isoformat(timespec="seconds"), error)


def deliver_pending(limit: int = 100, *, ids: Iterable[int] | None = None,
                    stop: Callable[[], bool] | None = None) -> DeliveryReport:
    """Deliver up to `limit` due messages (only those in `ids` when given), oldest first,
    until `stop()` says so (the worker on SIGTERM). Commits its own short transactions:
    call it with nothing else pending in the session."""
    report = DeliveryReport()
    wanted = list(ids) if ids is not None else None
    sender = _SmtpSender.from_settings()
    smtp_secrets = (sender.password,)
    try:
        for _ in range(max(limit, 0)):
            if stop is not None and stop():
                break
            now = utcnow()
            message_id = _claim_next(now, wanted)
            if message_id is None:
                break
            message = db.session.get(OutboxMessage, message_id)
            assert message is not None
            rfc_message_id = message.message_id
            secrets: tuple[str, ...] = smtp_secrets
            try:
                rendered = render(message.template, message.language, message.params or {})
                secrets += rendered.secrets
                mail = _build_email(message, rendered, now)
            except MessageNoLongerValid as exc:
                db.session.rollback()
                _finish(message_id, status=OutboxStatus.FAILED, last_error=str(exc),
                        claimed_at=None)
                report.failed += 1
                log.info("outbox message %s not sent: %s", message_id, exc)
                continue
            except Exception as exc:  # a template or data problem: retry, then give up
                db.session.rollback()
                log.exception("outbox message %s could not be rendered", message_id)
                message = db.session.get(OutboxMessage, message_id)
                assert message is not None
                _record_failure(message, report, f"rendering failed: {type(exc).__name__}",
                                permanent=False)
                continue
            # No transaction stays open while talking to the SMTP server.
            db.session.commit()
            try:
                sender.send(mail)
            except (_TemporaryFailure, _PermanentFailure) as exc:
                message = db.session.get(OutboxMessage, message_id)
                assert message is not None
                _record_failure(message, report, _clean_error(str(exc), secrets),
                                permanent=isinstance(exc, _PermanentFailure))
                if isinstance(exc, _ServerUnavailable):
                    break  # the others stay due, untouched, for the next run
                continue
            # From here on the mail is out: if this commit fails, the message stays in
            # "sending" and is never sent again automatically.
            _finish(message_id, status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None)
            report.sent += 1
            log.info("outbox message %s sent (%s)", message_id, rfc_message_id)
    finally:
        sender.close()
    return report


# ---------------------------------------------------------------------------------------
# Status and operator actions
# ---------------------------------------------------------------------------------------


def outbox_status() -> dict[str, Any]:
    """Counts by status, and the ids of messages in "sending" for more than 15 minutes
    (their sender died mid-send: they may or may not have gone out)."""
    counts = {status.value: 0 for status in OutboxStatus}
    for status, count in db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)):
        counts[OutboxStatus(status).value] = count
    stuck = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at < utcnow() - STUCK_AFTER)
        .order_by(OutboxMessage.id)))
    return {**counts, "stuck_sending": stuck}


def failed_messages(limit: int = 20) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc()).limit(limit)))


def requeue(message_id: int) -> OutboxMessage:
    """An operator's decision to send a failed or stuck message again (flushes only)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise LookupError(f"no outbox message {message_id}")
    if message.status not in (OutboxStatus.FAILED, OutboxStatus.SENDING):
        raise ValueError(f"outbox message {message_id} is {message.status.value}; only failed "
                         "or stuck (sending) messages can be retried")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    db.session.flush()
    return message
