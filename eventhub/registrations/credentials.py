"""Credential documents: the note verbale or nomination letter that names a delegation."""

from __future__ import annotations

import hashlib

from flask import current_app

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import Conflict, NotFound, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.registrations.models import CredentialDocument, Delegation

# Decided from the file's first bytes, never from its name or the declared type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_content_type(content: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def upload_credential(token: str, filename: str, content: bytes) -> CredentialDocument:
    """The focal point attaches (or replaces) the delegation's credential document."""
    from eventhub.invitations.service import invitation_for_token
    from eventhub.registrations.service import delegation_for_invitation

    invitation = invitation_for_token(token, for_update=True)
    delegation = delegation_for_invitation(invitation)
    if delegation is None:
        raise Conflict("Accept the invitation before uploading the delegation's credentials.")
    limit = current_app.config["EVENTHUB_CREDENTIAL_MAX_BYTES"]
    if not content:
        raise Unprocessable.for_field("file", "The file is empty.")
    if len(content) > limit:
        raise Unprocessable.for_field("file", f"The file is larger than {limit} bytes.")
    content_type = sniff_content_type(content)
    if content_type is None:
        raise Unprocessable.for_field("file", "Upload a PDF, PNG or JPEG document.")
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._- ")[:200] or "credential"
    document = delegation.credential or CredentialDocument(delegation=delegation)
    document.filename = safe_name
    document.content_type = content_type
    document.size = len(content)
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.content = content
    document.uploaded_at = utcnow()
    # A new document needs a new review.
    document.reviewed_at = None
    document.reviewed_by_id = None
    db.session.add(document)
    db.session.flush()
    return document


def _delegation(actor: Actor, slug: str, delegation_id: int) -> Delegation:
    edition = get_edition(actor, slug)
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.edition_id != edition.id:
        raise NotFound(f"Edition {slug!r} has no delegation {delegation_id}.")
    return delegation


def credential_document(actor: Actor, slug: str, delegation_id: int) -> CredentialDocument:
    authorize(actor, Permission.READ_PRIVATE_CONTACTS)
    delegation = _delegation(actor, slug, delegation_id)
    if delegation.credential is None:
        raise NotFound("The delegation has not uploaded credentials yet.")
    if delegation.credential.size and not delegation.credential.content:
        raise NotFound("The document's file was not included in the bundle this edition was "
                       "imported from; its record (name, size, checksum, review) is kept.")
    return delegation.credential


def review_credential(actor: Actor, slug: str, delegation_id: int) -> CredentialDocument:
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    document = credential_document(actor, slug, delegation_id)
    document.reviewed_at = utcnow()
    document.reviewed_by_id = actor.user_id
    db.session.flush()
    return document
