from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from eventhub.audit.models import AuditEntry
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.editions.models import Edition
from eventhub.errors import NotFound
from eventhub.extensions import db
from eventhub.i18n import N_


def list_entries(actor: Actor, filters: dict[str, Any]) -> Select:
    """The audit trail, newest first: per edition, per table, per object (admins)."""
    authorize(actor, Permission.MANAGE_USERS)
    query = select(AuditEntry)
    if slug := filters.get("edition"):
        edition_id = db.session.scalar(select(Edition.id).where(Edition.slug == slug))
        if edition_id is None:
            raise NotFound(N_("No edition %(edition)s."), code="audit.edition_not_found",
                           edition=slug)
        query = query.where(AuditEntry.edition_id == edition_id)
    if table := filters.get("table"):
        query = query.where(AuditEntry.table_name == table)
    if object_id := filters.get("object_id"):
        query = query.where(AuditEntry.object_id == str(object_id))
    if action := filters.get("action"):
        query = query.where(AuditEntry.action == action)
    if (user_id := filters.get("actor_user_id")) is not None:
        query = query.where(AuditEntry.actor_user_id == user_id)
    return query.order_by(AuditEntry.id.desc())
