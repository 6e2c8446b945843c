"""The outbox as staff see it: messages by their real state, the operator's retry, and
whether the outbox is moving (due messages waiting, and whether a worker is alive).

States shown: "queued" (pending, due now), "retrying" (pending after a failed attempt,
waiting for its next try), "sending" (claimed by a worker), "stuck" (claimed more than 15
minutes ago: the worker stopped mid-send, the mail may have gone out), "sent", "failed"
(with the reason).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.errors import Conflict, NotFound
from eventhub.extensions import db, utcnow
from eventhub.http import config
from eventhub.i18n import N_, translate
from eventhub.mail.models import OutboxMessage, OutboxStatus
from eventhub.mail.service import STUCK_AFTER, requeue

STATES = ("queued", "retrying", "sending", "stuck", "sent", "failed")

# What each mail template is, as staff read it in message lists (translated when shown).
TEMPLATE_TITLES = {
    "invitation": N_("Invitation"),
    "invitation_reminder": N_("Invitation reminder"),
    "invitation_accepted": N_("Invitation accepted: next steps"),
    "delegation_changed": N_("Delegation registration changed"),
    "registration_confirmed": N_("Registration confirmed"),
    "registration_promoted": N_("Off the waiting list"),
    "registration_rejected": N_("Registration declined"),
    "registration_cancelled": N_("Registration cancelled"),
    "programme_published": N_("Programme published"),
    "statement_submitted": N_("Statement awaiting approval"),
}


def template_title(name: str) -> str:
    """The template's title in the page's language; an unknown (newer) one by its name."""
    title = TEMPLATE_TITLES.get(name)
    return translate(title) if title else name.replace("_", " ")


def message_state(message: OutboxMessage, now: dt.datetime | None = None) -> str:
    """One of STATES."""
    now = now or utcnow()
    if message.status == OutboxStatus.PENDING:
        return "retrying" if message.attempts and message.next_attempt_at > now else "queued"
    if message.status == OutboxStatus.SENDING:
        stuck = message.claimed_at is not None and message.claimed_at < now - STUCK_AFTER
        return "stuck" if stuck else "sending"
    return message.status.value


def may_retry(message: OutboxMessage, now: dt.datetime | None = None) -> bool:
    """Failed messages, and those stuck in sending (the operator decides they did not go
    out), may be queued again."""
    return message_state(message, now) in ("failed", "stuck")


def _state_filter(query: Select, state: str, now: dt.datetime) -> Select:
    pending = OutboxMessage.status == OutboxStatus.PENDING
    sending = OutboxMessage.status == OutboxStatus.SENDING
    stuck_since = now - STUCK_AFTER
    waiting = (OutboxMessage.attempts > 0) & (OutboxMessage.next_attempt_at > now)
    conditions = {
        "queued": pending & ~waiting,
        "retrying": pending & waiting,
        "sending": sending & ((OutboxMessage.claimed_at.is_(None))
                              | (OutboxMessage.claimed_at >= stuck_since)),
        "stuck": sending & (OutboxMessage.claimed_at < stuck_since),
        "sent": OutboxMessage.status == OutboxStatus.SENT,
        "failed": OutboxMessage.status == OutboxStatus.FAILED,
    }
    return query.where(conditions[state])


def list_messages(actor: Actor, state: str | None = None) -> Select:
    """The outbox, newest first, of one state (STATES) or all."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state in STATES:
        query = _state_filter(query, state, utcnow())
    return query


def retry_message(actor: Actor, message_id: int) -> OutboxMessage:
    """Queue a failed or stuck message again (flushes; the request commits)."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(N_("There is no message %(id)s in the outbox."),
                       code="outbox.not_found", id=message_id)
    if not may_retry(message):
        raise Conflict(N_("Message %(id)s is not failed or stuck; only those can be sent "
                          "again."), code="outbox.not_retryable", id=message_id,
                       state=message_state(message))
    return requeue(message_id)


def outbox_health(now: dt.datetime | None = None) -> dict[str, Any]:
    """Whether mail goes out: due messages and the oldest due time, messages waiting for a
    retry, failed and stuck ones, the workers' state, and `stalled`: a message has been
    due for more than OUTBOX_STALL_MINUTES."""
    from eventhub.worker import worker_health

    now = now or utcnow()
    due_filter = ((OutboxMessage.status == OutboxStatus.PENDING)
                  & (OutboxMessage.next_attempt_at <= now))
    due, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(due_filter)).one()
    if oldest is not None and oldest.tzinfo is None:  # an aggregate skips the column type
        oldest = oldest.replace(tzinfo=dt.UTC)
    elif isinstance(oldest, str):  # SQLite returns the stored text of an aggregate
        oldest = dt.datetime.fromisoformat(oldest)
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    waiting = db.session.scalar(select(func.count()).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now)) or 0
    stuck = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.claimed_at < now - STUCK_AFTER).order_by(OutboxMessage.id)))
    minutes = int(config("OUTBOX_STALL_MINUTES"))
    workers = worker_health()
    return {
        "due": due or 0,
        "oldest_due_at": oldest,
        "waiting_retry": waiting,
        "failed": counts.get(OutboxStatus.FAILED, 0),
        "sent": counts.get(OutboxStatus.SENT, 0),
        "stuck": stuck,
        "stall_minutes": minutes,
        "stalled": oldest is not None and oldest < now - dt.timedelta(minutes=minutes),
        "worker": workers,
    }


def outbox_alert(actor: Actor) -> dict[str, Any] | None:
    """For the editions dashboard: the outbox's health when it is not moving (or messages
    are stuck), else None. Only for those who may see the outbox."""
    if not actor.can(Permission.MANAGE_ATTENDANCE):
        return None
    health = outbox_health()
    if not health["stalled"] and not health["stuck"]:
        return None
    return health
