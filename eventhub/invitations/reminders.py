"""What the background worker does for invitations: remind a focal point who has not
answered a few days before the deadline (once per invitation sent), and count the
invitations whose deadline passed.

Expiry itself needs no writing: a sent invitation past its deadline reads as expired
(Invitation.status), its link answers 410, and a mail still queued for it is not sent
(the mail template checks the status at delivery). The worker only reports how many
expired since its last look.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select, update

from eventhub.editions.models import Edition, EditionStatus
from eventhub.extensions import db
from eventhub.invitations.models import Invitation, InvitationStatus

REMINDER_TEMPLATE = "invitation_reminder"


def _not_reminded_since_sent():
    return or_(Invitation.reminder_queued_at.is_(None),
               Invitation.reminder_queued_at < Invitation.sent_at)


def queue_due_reminders(now: dt.datetime, days: int) -> int:
    """Queue the reminder of every sent, unanswered invitation of an open edition whose
    deadline is less than `days` days ahead, if it was sent before that window opened and
    has not been reminded since it was sent. Each one is claimed with a conditional UPDATE
    and committed with its mail, so several workers queue each reminder once. Returns how
    many were queued."""
    from eventhub.mail.service import queue_message

    if days <= 0:
        return 0
    window = dt.timedelta(days=days)
    candidates = db.session.execute(
        select(Invitation.id, Invitation.sent_at, Invitation.deadline)
        .join(Edition, Edition.id == Invitation.edition_id)
        .where(Invitation.recorded_status == InvitationStatus.SENT,
               Invitation.deadline > now, Invitation.deadline <= now + window,
               Invitation.focal_point_email.is_not(None),
               Invitation.token_nonce.is_not(None),
               Edition.status == EditionStatus.OPEN, _not_reminded_since_sent())
        .order_by(Invitation.id)).all()
    db.session.rollback()
    queued = 0
    for invitation_id, sent_at, deadline in candidates:
        # Sent inside the window: the invitation itself is the reminder.
        if sent_at is None or sent_at > deadline - window:
            continue
        claimed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id,
                   Invitation.recorded_status == InvitationStatus.SENT,
                   _not_reminded_since_sent())
            # Not an edit of the invitation: its updated_at stays.
            .values(reminder_queued_at=now, updated_at=Invitation.updated_at)
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.focal_point_email
        queue_message(invitation.focal_point_email, REMINDER_TEMPLATE,
                      invitation.focal_point_language, {"invitation_id": invitation.id})
        db.session.commit()
        queued += 1
    return queued


def count_expired(since: dt.datetime | None, now: dt.datetime) -> int:
    """Sent invitations whose deadline passed after `since` (ever, without it) and by
    `now`, unanswered."""
    query = select(func.count()).select_from(Invitation).where(
        Invitation.recorded_status == InvitationStatus.SENT, Invitation.deadline <= now)
    if since is not None:
        query = query.where(Invitation.deadline > since)
    count = db.session.scalar(query) or 0
    db.session.rollback()
    return count
