"""The outbox page (/manage/outbox): every message with its real state (queued, retrying,
sending, stuck, sent, failed with the reason), filtered by state, with "retry" for failed
and stuck ones; and the warning the editions dashboard shows when the outbox is not moving
(manage/_outbox_warning.html). Its routes live on the organizer pages' blueprint.

templates/_messages.html has the macro `message_list(messages, zone)` that lists messages
on any page (e.g. the messages a registration or an invitation triggered).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from eventhub.auth.permissions import Permission
from eventhub.editions.models import Edition
from eventhub.errors import DomainError
from eventhub.extensions import db
from eventhub.i18n import N_, _
from eventhub.mail import outbox
from eventhub.web.common import page_actor, page_requires, staff_link
from eventhub.web.manage import blp

PAGE_SIZE = 50
MAX_PAGE = 100_000
UTC = "UTC"

staff_link("web_manage.outbox_page", N_("Outbox"), 70, Permission.MANAGE_ATTENDANCE)


def organizers_zone() -> str:
    """The outbox belongs to no edition: its times are shown in the zone of the latest
    edition, where the organizers work (UTC before there is any)."""
    return db.session.scalar(select(Edition.time_zone).order_by(
        Edition.start_date.desc(), Edition.id.desc()).limit(1)) or UTC


# Globals, so that templates/_messages.html works wherever it is imported.
blp.add_app_template_global(outbox.message_state, "message_state")
blp.add_app_template_global(outbox.may_retry, "may_retry_message")
blp.add_app_template_global(outbox.template_title, "mail_template_title")


@blp.app_template_global("outbox_alert")
def _outbox_alert() -> dict[str, Any] | None:
    return outbox.outbox_alert(page_actor())


def _page_number() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    return min(max(page, 1), MAX_PAGE)


def _outbox_page(state: str | None, *, errors: dict[str, str] | None = None,
                 status: int = 200):
    query = outbox.list_messages(page_actor(), state)
    page = _page_number()
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0
    messages = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "manage/outbox.html", messages=messages, state=state, states=outbox.STATES,
        page=page, pages=max(1, -(-total // PAGE_SIZE)), total=total,
        health=outbox.outbox_health(), zone=organizers_zone(), errors=errors or {}), status


def _state_arg(value: str | None) -> str | None:
    return value if value in outbox.STATES else None


@blp.get("/outbox")
@page_requires(Permission.MANAGE_ATTENDANCE)
def outbox_page():
    return _outbox_page(_state_arg(request.args.get("state")))


@blp.post("/outbox/<int:message_id>/retry")
@page_requires(Permission.MANAGE_ATTENDANCE)
def outbox_retry(message_id: int):
    state = _state_arg(request.form.get("state"))
    try:
        outbox.retry_message(page_actor(), message_id)
    except DomainError as exc:
        db.session.rollback()
        return _outbox_page(state, errors={"": exc.detail}, status=exc.status)
    flash(_("Message %(id)s is queued again; the worker sends it on its next pass.",
            id=message_id))
    return redirect(url_for(".outbox_page", state=state), code=303)
