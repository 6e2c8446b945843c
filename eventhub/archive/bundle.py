"""Export an edition with everything under it as one self-describing JSON document, and
import such a document into another instance, all or nothing.

Rows refer to each other by references local to the bundle ("organization-3"), assigned in
the order of the original ids, so a bundle imported into an empty database and exported
again is the same document apart from its export time.

Format version 2 carries an archived edition's snapshot (eventhub.editions.snapshot): its
organizations and people are as the edition shows them, frozen when it was archived
(content "directory": "snapshot"), and the import stores them as the imported edition's
snapshot while linking to (or adding) live directory entries. An edition that is not
archived travels with the live directory ("directory": "live"). Version 1 bundles still
import: an archived edition's snapshot is then taken from the organizations and people
the bundle holds (the directory as it stood at that export).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy import Date, Enum, LargeBinary, select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition, EditionStatus, Participation, ReportedFigure, Series
from eventhub.editions.snapshot import (
    ShownDirectory,
    ShownOrganization,
    ShownPerson,
    shown,
    store,
)
from eventhub.errors import Conflict, Unprocessable
from eventhub.extensions import UTCDateTime, db, utcnow
from eventhub.invitations.models import Invitation
from eventhub.programme.models import (
    Exhibitor,
    ProgrammeItem,
    ProgrammeVersion,
    SessionSignup,
    Speech,
)
from eventhub.registrations.models import CredentialDocument, Delegation, Registration
from eventhub.schemas import UNSTORABLE_TEXT, unstorable_text_paths
from eventhub.statements.models import (
    Statement,
    StatementComment,
    StatementRevision,
    StatementSuggestion,
)

FORMAT = "eventhub-edition-bundle"
FORMAT_VERSION = 2
# Older versions this instance still imports.
READABLE_VERSIONS = (1, FORMAT_VERSION)
SCHEMA_FILE = Path(__file__).resolve().parent / "bundle.schema.json"

# Which columns travel, per model; foreign keys travel as references (see _REFS).
_COLUMNS: dict[type, tuple[str, ...]] = {
    Series: ("slug", "name", "description"),
    Edition: ("slug", "ordinal", "title", "theme", "city", "region", "country_code", "venue",
              "time_zone", "start_date", "end_date", "capacity", "requires_approval", "status",
              "archived_at", "anonymized_at", "created_at"),
    ReportedFigure: ("key", "value", "qualifier", "unit", "source_text", "source_reference",
                     "position"),
    Organization: ("name", "kind", "acronym", "country_code", "country_name", "website"),
    Person: ("full_name", "honorific", "position"),
    Participation: ("role", "position"),
    ProgrammeItem: ("kind", "title", "description", "room", "starts_at", "ends_at",
                    "capacity", "chairs", "position", "is_cancelled"),
    Speech: ("role", "position", "delivery", "talk_title"),
    Exhibitor: ("stand", "description"),
    SessionSignup: ("assigned_by_organizer", "created_at"),
    ProgrammeVersion: ("number", "note", "published_at"),
    Invitation: ("focal_point_language", "quota", "deadline", "status", "sent_at",
                 "responded_at", "revoked_at", "created_at"),
    Delegation: ("created_at",),
    CredentialDocument: ("filename", "content_type", "size", "sha256", "uploaded_at",
                         "reviewed_at"),
    Registration: ("role", "status", "attendance", "checked_in_at", "waitlisted_at",
                   "confirmed_at", "cancelled_at", "created_at"),
    Statement: ("kind", "language", "status", "approved_revision", "published_revision",
                "published_at", "created_at"),
    StatementRevision: ("number", "content", "note", "author_label", "is_published",
                        "created_at"),
    StatementComment: ("section_key", "author_label", "body", "created_at", "resolved_at"),
    StatementSuggestion: ("section_key", "paragraph_index", "base_revision", "original_text",
                          "proposed_text", "author_label", "status", "decided_at",
                          "resulting_revision", "created_at"),
}
# Personal contact data, travel needs and credential files: only with include_personal.
_PERSONAL: dict[type, tuple[str, ...]] = {
    Person: ("email", "phone"),
    Invitation: ("focal_point_name", "focal_point_email"),
    Registration: ("needs_visa_letter", "dietary", "accessibility", "badge_code"),
    CredentialDocument: ("content",),
}


# An archived edition's organizations and people travel as its snapshot shows them.
_COLUMNS[ShownOrganization] = _COLUMNS[Organization]
_COLUMNS[ShownPerson] = _COLUMNS[Person]
_PERSONAL[ShownPerson] = _PERSONAL[Person]


class BundleError(Unprocessable):
    title = "Invalid bundle"


# Values ------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _parsed(model: type, column: str, value: Any) -> Any:
    if value is None:
        return None
    column_type = model.__table__.c[column].type
    if isinstance(column_type, UTCDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return dt.date.fromisoformat(value)
    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        return column_type.enum_class(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    return value


def _fields(obj: Any, include_personal: bool) -> dict[str, Any]:
    model = type(obj)
    columns = _COLUMNS[model] + (_PERSONAL.get(model, ()) if include_personal else ())
    return {column: _plain(getattr(obj, column)) for column in columns}


def _build(model: type, data: dict[str, Any], **extra: Any) -> Any:
    allowed = _COLUMNS[model] + _PERSONAL.get(model, ())
    values = {c: _parsed(model, c, data[c]) for c in allowed if c in data}
    return model(**values, **extra)


def _ref_number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[-1])


def checksum(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def dumps(bundle: dict[str, Any]) -> str:
    """The bundle as the file is written: stable key order, so equal content is equal text."""
    return json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


class _Refs:
    """Bundle-local names for database ids, in the order of the ids."""

    def __init__(self, prefix: str, ids: list[int]):
        self.prefix = prefix
        self.by_id = {id_: f"{prefix}-{n}" for n, id_ in enumerate(sorted(set(ids)), start=1)}

    def __call__(self, id_: int | None) -> str | None:
        return None if id_ is None else self.by_id[id_]


# Export ------------------------------------------------------------------------------

def export_edition(actor: Actor, slug: str, *, include_personal: bool = False
                   ) -> dict[str, Any]:
    from eventhub.editions.service import get_edition

    authorize(actor, Permission.MANAGE_USERS)
    edition = get_edition(actor, slug)
    content = _content(edition, include_personal)
    bundle = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "exported_at": utcnow().isoformat(), "includes_personal_data": include_personal,
              "checksum": checksum(content), "content": content}
    jsonschema.validate(bundle, schema())
    return bundle


def _all(model: type, *criteria: Any) -> list[Any]:
    return list(db.session.scalars(select(model).where(*criteria).order_by(model.id)))


def _content(edition: Edition, personal: bool) -> dict[str, Any]:
    figures = _all(ReportedFigure, ReportedFigure.edition_id == edition.id)
    participations = _all(Participation, Participation.edition_id == edition.id)
    items = _all(ProgrammeItem, ProgrammeItem.edition_id == edition.id)
    item_ids = [i.id for i in items]
    speeches = _all(Speech, Speech.item_id.in_(item_ids))
    exhibitors = _all(Exhibitor, Exhibitor.edition_id == edition.id)
    versions = _all(ProgrammeVersion, ProgrammeVersion.edition_id == edition.id)
    invitations = _all(Invitation, Invitation.edition_id == edition.id)
    delegations = _all(Delegation, Delegation.edition_id == edition.id)
    registrations = _all(Registration, Registration.edition_id == edition.id)
    signups = _all(SessionSignup, SessionSignup.item_id.in_(item_ids))
    statements = _all(Statement, Statement.edition_id == edition.id)

    person_ids = {s.person_id for s in speeches} | {r.person_id for r in registrations}
    organization_ids = ({edition.host_organization_id}
                        | {p.organization_id for p in participations}
                        | {e.organization_id for e in exhibitors}
                        | {i.organization_id for i in invitations}
                        | {d.organization_id for d in delegations}) - {None}
    directory, people, organizations = _as_shown(edition, person_ids, organization_ids)

    org_ref = _Refs("organization", [o.id for o in organizations])
    person_ref = _Refs("person", [p.id for p in people])
    item_ref = _Refs("item", item_ids)
    speech_ref = _Refs("speech", [s.id for s in speeches])
    invitation_ref = _Refs("invitation", [i.id for i in invitations])
    delegation_ref = _Refs("delegation", [d.id for d in delegations])
    registration_ref = _Refs("registration", [r.id for r in registrations])
    statement_ref = _Refs("statement", [s.id for s in statements])

    def export_snapshot(snapshot: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _remap_snapshot(snapshot, item_ref, speech_ref, person_ref, org_ref)

    return {
        "directory": "snapshot" if directory.frozen else "live",
        "series": _fields(edition.series, personal),
        "edition": {**_fields(edition, personal),
                    "host_organization": org_ref(edition.host_organization_id)},
        "figures": [_fields(f, personal) for f in figures],
        "organizations": [{**_fields(o, personal), "ref": org_ref(o.id),
                           "parent": org_ref(o.parent_id)} for o in organizations],
        "people": [{**_fields(p, personal), "ref": person_ref(p.id),
                    "organization": org_ref(p.organization_id)} for p in people],
        "participations": [{**_fields(p, personal), "organization": org_ref(p.organization_id)}
                           for p in participations],
        "programme": {
            "items": [{**_fields(i, personal), "ref": item_ref(i.id),
                       "speeches": [{**_fields(s, personal), "ref": speech_ref(s.id),
                                     "person": person_ref(s.person_id)}
                                    for s in speeches if s.item_id == i.id]}
                      for i in items],
            "exhibitors": [{**_fields(e, personal), "organization": org_ref(e.organization_id)}
                           for e in exhibitors],
            "signups": [{**_fields(s, personal), "item": item_ref(s.item_id),
                         "registration": registration_ref(s.registration_id)}
                        for s in signups],
            "versions": [{**_fields(v, personal), "items": export_snapshot(v.items)}
                         for v in versions],
        },
        "invitations": [{**_fields(i, personal), "ref": invitation_ref(i.id),
                         "organization": org_ref(i.organization_id)} for i in invitations],
        "delegations": [{**_fields(d, personal), "ref": delegation_ref(d.id),
                         "organization": org_ref(d.organization_id),
                         "invitation": invitation_ref(d.invitation_id),
                         "credential": _fields(d.credential, personal) if d.credential
                         else None} for d in delegations],
        "registrations": [{**_fields(r, personal), "ref": registration_ref(r.id),
                           "person": person_ref(r.person_id),
                           "delegation": delegation_ref(r.delegation_id)}
                          for r in registrations],
        "statements": [_statement(s, statement_ref, personal) for s in statements],
    }


def _as_shown(edition: Edition, person_ids: set[int], organization_ids: set[int]
              ) -> tuple[ShownDirectory, list[Any], list[Any]]:
    """The edition's people and organizations (with the organizations of the people and
    every parent) as the edition shows them, in the order of their ids: the snapshot of
    an archived edition, the live directory otherwise."""
    directory = shown(edition)
    people = [person for _, person in sorted(directory.people(person_ids).items())]
    organizations = directory.with_parents(
        organization_ids | {p.organization_id for p in people if p.organization_id})
    return directory, people, organizations


def _statement(statement: Statement, statement_ref: _Refs, personal: bool) -> dict[str, Any]:
    comments = _all(StatementComment, StatementComment.statement_id == statement.id)
    comment_ref = _Refs("comment", [c.id for c in comments])
    suggestions = _all(StatementSuggestion, StatementSuggestion.statement_id == statement.id)
    return {**_fields(statement, personal), "ref": statement_ref(statement.id),
            "translation_of": (statement_ref(statement.translation_of_id)
                               if statement.translation_of_id in statement_ref.by_id
                               else None),
            "revisions": [_fields(r, personal) for r in statement.revisions],
            "comments": [{**_fields(c, personal), "ref": comment_ref(c.id),
                          "parent": comment_ref(c.parent_id)} for c in comments],
            "suggestions": [_fields(s, personal) for s in suggestions]}


def _remap_snapshot(snapshot: list[dict[str, Any]], item_ref, speech_ref, person_ref,
                    org_ref) -> list[dict[str, Any]]:
    """Published programme versions store ids; a bundle names them by reference. An item
    or speech deleted since publication keeps a reference of its own ("gone-item-...")."""

    def ref(refs: _Refs, value: Any) -> Any:
        if value is None or value in refs.by_id:
            return refs(value)
        # Imported ghosts carry negative ids (see _restore_snapshot).
        return f"gone-{refs.prefix}-{abs(value)}"

    def org(o: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if o is None else {**o, "id": ref(org_ref, o["id"])}

    result = []
    for item in snapshot:
        speeches = [{**s, "id": ref(speech_ref, s["id"]),
                     "person": {**s["person"], "id": ref(person_ref, s["person"]["id"]),
                                "organization": org(s["person"].get("organization"))}}
                    for s in item["speeches"]]
        result.append({**item, "id": ref(item_ref, item["id"]), "speeches": speeches})
    return result


# Import ------------------------------------------------------------------------------

def import_bundle(actor: Actor, bundle: Any) -> Edition:
    """Load a bundle into this instance, all or nothing (the caller commits once)."""
    authorize(actor, Permission.MANAGE_USERS)
    _check(bundle)
    _check_directory(bundle)
    content = bundle["content"]
    slug = content["edition"]["slug"]
    if db.session.scalar(select(Edition.id).where(Edition.slug == slug)) is not None:
        raise Conflict(f"Edition {slug!r} already exists here; nothing was imported.")

    series = db.session.scalar(select(Series).where(Series.slug == content["series"]["slug"]))
    if series is None:
        series = _build(Series, content["series"])
        db.session.add(series)
        db.session.flush()
    if db.session.scalar(select(Edition.id).where(
            Edition.series_id == series.id,
            Edition.ordinal == content["edition"]["ordinal"])) is not None:
        raise Conflict(f"Edition number {content['edition']['ordinal']} of series "
                       f"{series.slug!r} already exists here; nothing was imported.")

    organizations = _import_organizations(content["organizations"])
    people: dict[str, Person] = {}
    for row in content["people"]:
        person = _build(Person, row, organization=organizations.get(row["organization"]))
        db.session.add(person)
        people[row["ref"]] = person

    edition = _build(Edition, content["edition"], series=series,
                     host_organization=organizations.get(content["edition"]["host_organization"]))
    db.session.add(edition)
    db.session.flush()
    for row in content["figures"]:
        db.session.add(_build(ReportedFigure, row, edition=edition))
    for row in content["participations"]:
        db.session.add(_build(Participation, row, edition_id=edition.id,
                              organization=organizations[row["organization"]]))

    items: dict[str, ProgrammeItem] = {}
    for row in content["programme"]["items"]:
        item = _build(ProgrammeItem, row, edition=edition)
        db.session.add(item)
        items[row["ref"]] = item
    db.session.flush()
    # Speeches are created in the order of their references (the original ids), not item
    # by item, so that a second export names them the same way.
    speech_rows = sorted(((speech_row, row["ref"]) for row in content["programme"]["items"]
                          for speech_row in row["speeches"]),
                         key=lambda pair: _ref_number(pair[0]["ref"]))
    speeches: dict[str, Speech] = {}
    for speech_row, item_ref in speech_rows:
        speech = _build(Speech, speech_row, item=items[item_ref],
                        person=people[speech_row["person"]])
        db.session.add(speech)
        speeches[speech_row["ref"]] = speech
    for row in content["programme"]["exhibitors"]:
        db.session.add(_build(Exhibitor, row, edition_id=edition.id,
                              organization=organizations[row["organization"]]))

    invitations: dict[str, Invitation] = {}
    for row in content["invitations"]:
        invitation = _build(Invitation, row, edition_id=edition.id,
                            organization=organizations[row["organization"]])
        db.session.add(invitation)
        invitations[row["ref"]] = invitation
    db.session.flush()
    delegations: dict[str, Delegation] = {}
    for row in content["delegations"]:
        invitation = invitations.get(row["invitation"])
        delegation = _build(Delegation, row, edition_id=edition.id,
                            organization=organizations[row["organization"]],
                            invitation_id=invitation.id if invitation else None)
        if row["credential"]:
            # Without personal data the file itself stays behind; its record (name, size,
            # checksum, review) travels, and the download says the file is missing.
            delegation.credential = _build(CredentialDocument, row["credential"])
            if "content" not in row["credential"]:
                delegation.credential.content = b""
        db.session.add(delegation)
        delegations[row["ref"]] = delegation
    registrations: dict[str, Registration] = {}
    for row in content["registrations"]:
        registration = _build(Registration, row, edition_id=edition.id,
                              person=people[row["person"]],
                              delegation=delegations.get(row["delegation"]))
        db.session.add(registration)
        registrations[row["ref"]] = registration
    db.session.flush()
    for row in content["programme"]["signups"]:
        db.session.add(_build(SessionSignup, row, item=items[row["item"]],
                              registration_id=registrations[row["registration"]].id))

    ids = {"item": {r: i.id for r, i in items.items()},
           "speech": {r: s.id for r, s in speeches.items()},
           "person": {r: p.id for r, p in people.items()},
           "organization": {r: o.id for r, o in organizations.items()}}
    for row in content["programme"]["versions"]:
        db.session.add(_build(ProgrammeVersion, row, edition_id=edition.id,
                              items=_restore_snapshot(row["items"], ids)))
    _import_statements(content["statements"], edition)
    _import_snapshot(content, edition, organizations, people)
    db.session.flush()
    return edition


def _check(bundle: Any) -> None:
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"This is not an EventHub edition bundle (format {FORMAT!r}).")
    if bundle.get("format_version") not in READABLE_VERSIONS:
        raise BundleError(f"Unknown bundle format version {bundle.get('format_version')!r}; "
                          f"this instance reads versions "
                          f"{', '.join(map(str, READABLE_VERSIONS))}.")
    try:
        jsonschema.validate(bundle, schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise BundleError(f"The bundle does not match its schema at {where}: {exc.message}"
                          ) from None
    if unstorable := unstorable_text_paths(bundle["content"], "content"):
        raise BundleError(f"The bundle holds {UNSTORABLE_TEXT}, which cannot be stored, "
                          f"at {', '.join(unstorable[:5])}.")
    if checksum(bundle["content"]) != bundle["checksum"]:
        raise BundleError("The bundle's checksum does not match its content: the file was "
                          "changed or damaged.")


def _check_directory(bundle: dict[str, Any]) -> None:
    """Format 2 says whose organizations and people it carries: an archived edition's
    snapshot, or the live directory of an edition that is not archived."""
    content = bundle["content"]
    archived = content["edition"]["status"] == EditionStatus.ARCHIVED.value
    expected = "snapshot" if archived else "live"
    if bundle["format_version"] >= 2 and content.get("directory") != expected:
        raise BundleError(f"The bundle's content/directory is {content.get('directory')!r}, "
                          f"but an edition that is {content['edition']['status']} carries "
                          f"{expected!r} organizations and people.")


def _import_snapshot(content: dict[str, Any], edition: Edition,
                     organizations: dict[str, Organization], people: dict[str, Person]
                     ) -> None:
    """An archived edition shows the organizations and people as the bundle holds them
    (format 2: its snapshot; format 1: the directory at that export), whatever the
    directory entries here, found or added, say now or later."""
    if edition.status != EditionStatus.ARCHIVED:
        return

    def organization_id(ref: str | None) -> int | None:
        # As the rows above resolved it (references are checked before anything is written).
        found = organizations.get(ref) if ref else None
        return found.id if found is not None else None

    store(
        edition.id,
        [{"organization_id": organization_id(row["ref"]),
          **{c: _parsed(Organization, c, row.get(c)) for c in
             ("name", "kind", "acronym", "country_code", "country_name", "website")},
          "parent_id": organization_id(row.get("parent"))} for row in content["organizations"]],
        [{"person_id": people[row["ref"]].id,
          **{c: row.get(c) for c in ("full_name", "honorific", "position")},
          "organization_id": organization_id(row.get("organization"))}
         for row in content["people"]])


def _import_organizations(rows: list[dict[str, Any]]) -> dict[str, Organization]:
    """Reuse an organization that already exists here (same name and country)."""
    from eventhub.directory.service import find_organization

    organizations: dict[str, Organization] = {}
    for row in rows:
        existing = find_organization(row["name"], row.get("country_code"))
        organization = existing or _build(Organization, row)
        db.session.add(organization)
        organizations[row["ref"]] = organization
    for row in rows:
        if row["parent"] and organizations[row["ref"]].parent_id is None:
            organizations[row["ref"]].parent = organizations[row["parent"]]
    db.session.flush()
    return organizations


def _restore_snapshot(snapshot: list[dict[str, Any]], ids: dict[str, dict[str, int]]
                      ) -> list[dict[str, Any]]:
    gone: dict[str, int] = {}

    def real(kind: str, ref: Any) -> Any:
        if ref in ids[kind]:
            return ids[kind][ref]
        # Deleted since publication: a stable negative id that maps back to the same ref.
        return gone.setdefault(ref, -int(ref.rsplit("-", 1)[-1]))

    def org(o: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if o is None else {**o, "id": real("organization", o["id"])}

    return [{**item, "id": real("item", item["id"]),
             "speeches": [{**s, "id": real("speech", s["id"]),
                           "person": {**s["person"], "id": real("person", s["person"]["id"]),
                                      "organization": org(s["person"].get("organization"))}}
                          for s in item["speeches"]]}
            for item in snapshot]


def _import_statements(rows: list[dict[str, Any]], edition: Edition) -> None:
    statements: dict[str, Statement] = {}
    for row in rows:
        latest = max(row["revisions"], key=lambda r: r["number"])["content"]
        statement = _build(Statement, row, edition_id=edition.id, title=latest["title"],
                           dateline=latest.get("dateline"))
        db.session.add(statement)
        statements[row["ref"]] = statement
        for revision_row in row["revisions"]:
            statement.revisions.append(_build(StatementRevision, revision_row))
    db.session.flush()
    for row in rows:
        statement = statements[row["ref"]]
        if row["translation_of"]:
            statement.translation_of_id = statements[row["translation_of"]].id
        comments: dict[str, StatementComment] = {}
        for comment_row in row["comments"]:
            parent = comments.get(comment_row["parent"]) if comment_row["parent"] else None
            comment = _build(StatementComment, comment_row, statement_id=statement.id,
                             parent_id=parent.id if parent else None)
            db.session.add(comment)
            db.session.flush()
            comments[comment_row["ref"]] = comment
        for suggestion_row in row["suggestions"]:
            db.session.add(_build(StatementSuggestion, suggestion_row,
                                  statement_id=statement.id))
