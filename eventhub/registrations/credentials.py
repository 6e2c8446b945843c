"""Credential documents: the note verbale or nomination letter that names a delegation."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import Conflict, NotFound, Unprocessable
from eventhub.extensions import db, utcnow
from eventhub.i18n import N_
from eventhub.registrations.models import CredentialDocument, Delegation, Registration

# Decided from the file's first bytes, never from its name or the declared type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


# The extension a stored name gets for each type (the first), and those it may keep.
_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
_FALLBACK_STEM = "credential"


def sniff_content_type(content: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def stored_name(filename: str, content_type: str) -> str:
    """The uploader's file name, reduced to letters, digits and ". _ -", with the
    extension of the type sniffed from the content: `x.html` holding a PDF is `x.pdf`, so
    no download is ever named (and opened) as something it is not."""
    extensions = _EXTENSIONS[content_type]
    name = "".join(c for c in filename if c.isalnum() or c in "._- ").strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    # An extension of the right type stays as typed (.jpeg, .PDF); any other is replaced.
    extension = f".{extension}" if f".{extension.lower()}" in extensions else extensions[0]
    stem = stem.strip(" .")[:200] or _FALLBACK_STEM
    return stem + extension


def content_disposition(document: CredentialDocument, *, inline: bool = False) -> str:
    """`attachment` (or `inline`, for a preview in the browser) with the stored name, its
    extension checked again against the stored type (a record from before, or from a
    bundle, may name another). Names beyond ASCII travel as RFC 6266's filename*, with an
    ASCII stand-in for old clients."""
    kind = "inline" if inline else "attachment"
    name = stored_name(document.filename or "", document.content_type)
    stem, _, extension = name.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_name = f"{ascii_stem.strip(' .') or _FALLBACK_STEM}.{extension}"
    if ascii_name == name:
        return f'{kind}; filename="{name}"'
    return (f'{kind}; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def upload_credential(token: str, filename: str, content: bytes) -> CredentialDocument:
    """The focal point attaches (or replaces) the delegation's credential document."""
    from eventhub.invitations.service import invitation_for_token
    from eventhub.registrations.service import delegation_for_invitation

    invitation = invitation_for_token(token, for_update=True)
    delegation = delegation_for_invitation(invitation)
    if delegation is None:
        raise Conflict(N_("Accept the invitation before uploading the delegation's "
                          "credentials."), code="credential.not_accepted")
    limit = current_app.config["EVENTHUB_CREDENTIAL_MAX_BYTES"]
    if not content:
        raise Unprocessable.for_field("file", N_("The file is empty."), code="upload.empty")
    if len(content) > limit:
        raise Unprocessable.for_field("file", N_("The file is larger than %(limit)s bytes."),
                                      code="upload.too_large", limit=limit)
    content_type = sniff_content_type(content)
    if content_type is None:
        raise Unprocessable.for_field("file", N_("Upload a PDF, PNG or JPEG document."),
                                      code="upload.unsupported_type")
    document = delegation.credential or CredentialDocument(delegation=delegation)
    document.filename = stored_name(filename, content_type)
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
        raise NotFound(N_("Edition “%(slug)s” has no delegation %(id)s."),
                       code="delegation.not_found", slug=slug, id=delegation_id)
    return delegation


def credential_document(actor: Actor, slug: str, delegation_id: int) -> CredentialDocument:
    authorize(actor, Permission.READ_PRIVATE_CONTACTS)
    delegation = _delegation(actor, slug, delegation_id)
    if delegation.credential is None:
        raise NotFound(N_("The delegation has not uploaded credentials yet."),
                       code="credential.not_uploaded")
    if delegation.credential.size and not delegation.credential.content:
        raise NotFound(N_("The document's file was not included in the bundle this edition "
                          "was imported from; its record (name, size, checksum, review) is "
                          "kept."), code="credential.file_not_imported")
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


def credential_state(registration: Registration) -> dict[str, Any] | None:
    """The credential of the registration's delegation as a page shows it (no content):
    None for a registration outside any invited delegation. `missing`: nothing uploaded
    yet; `previewable`: a file kept here that a browser shows by itself (an image)."""
    delegation = registration.delegation
    if delegation is None or delegation.invitation_id is None:
        return None
    document = delegation.credential
    if document is None:
        return {"delegation": delegation, "document": None, "missing": True,
                "reviewed": False, "has_file": False, "is_image": False}
    return {"delegation": delegation, "document": document, "missing": False,
            "reviewed": document.reviewed_at is not None,
            # Asked of the database: the content itself stays unread.
            "has_file": bool(db.session.scalar(select(
                CredentialDocument.content.is_not(None)).where(
                CredentialDocument.id == document.id))),
            "is_image": document.content_type.startswith("image/")}
