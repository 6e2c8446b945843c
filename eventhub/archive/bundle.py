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

The API streams the bundle as compact JSON (export_stream), the CLI writes it indented with
sorted keys (export_edition, dumps): the same document. The import checks everything
before it writes anything, then inserts the many rows in bulk with their audit entries.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import functools
import hashlib
import json
import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from flask_babel import LazyString
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Enum,
    Integer,
    LargeBinary,
    String,
    select,
    union,
)

from eventhub.audit.bulk import insert_rows
from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import Edition, EditionStatus, Participation, ReportedFigure, Series
from eventhub.editions.service import time_zone_names
from eventhub.editions.snapshot import (
    ShownDirectory,
    ShownOrganization,
    ShownPerson,
    shown,
    store,
)
from eventhub.errors import Conflict, Unprocessable
from eventhub.extensions import UTCDateTime, db, utcnow
from eventhub.i18n import N_, translate
from eventhub.invitations.models import Invitation
from eventhub.programme.models import (
    Exhibitor,
    ProgrammeItem,
    ProgrammeVersion,
    SessionSignup,
    Speech,
)
from eventhub.registrations.models import CredentialDocument, Delegation, Registration
from eventhub.schemas import unstorable_text_paths
from eventhub.statements.models import (
    Statement,
    StatementComment,
    StatementRevision,
    StatementSuggestion,
)

FORMAT = "eventhub-edition-bundle"
# 3: the edition's and its programme items' words in other languages (translations).
FORMAT_VERSION = 3
# Older versions this instance still imports (they carry no translations).
READABLE_VERSIONS = (1, 2, FORMAT_VERSION)
SCHEMA_FILE = Path(__file__).resolve().parent / "bundle.schema.json"

# Which columns travel, per model; foreign keys travel as references (see _REFS).
_COLUMNS: dict[type, tuple[str, ...]] = {
    Series: ("slug", "name", "description", "translations"),
    Edition: ("slug", "ordinal", "title", "theme", "city", "region", "country_code", "venue",
              "time_zone", "start_date", "end_date", "capacity", "requires_approval", "status",
              "archived_at", "anonymized_at", "created_at", "translations"),
    ReportedFigure: ("key", "value", "qualifier", "unit", "source_text", "source_reference",
                     "position"),
    Organization: ("name", "kind", "acronym", "country_code", "country_name", "website"),
    Person: ("full_name", "honorific", "position"),
    Participation: ("role", "position"),
    ProgrammeItem: ("kind", "title", "description", "room", "starts_at", "ends_at",
                    "capacity", "chairs", "position", "is_cancelled", "translations"),
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
    title = N_("Invalid bundle")
    default_code = "bundle.invalid"


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
    parse = _parser(model, column)
    return value if parse is None else parse(value)


@functools.cache
def _parser(model: type, column: str) -> Callable[[Any], Any] | None:
    """How a bundle value of the column becomes the column's Python value (None: as it
    is), looked up once per column rather than once per value."""
    column_type = model.__table__.c[column].type
    if isinstance(column_type, UTCDateTime):
        return dt.datetime.fromisoformat
    if isinstance(column_type, Date):
        return dt.date.fromisoformat
    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        return column_type.enum_class
    if isinstance(column_type, LargeBinary):
        return base64.b64decode
    return None


def _fields(obj: Any, include_personal: bool, model: type | None = None) -> dict[str, Any]:
    """The travelling columns of a mapped object, or of a plain row of `model`."""
    model = model or type(obj)
    columns = _COLUMNS[model] + (_PERSONAL.get(model, ()) if include_personal else ())
    return {column: _plain(getattr(obj, column)) for column in columns}


def _build(model: type, data: dict[str, Any], **extra: Any) -> Any:
    allowed = _COLUMNS[model] + _PERSONAL.get(model, ())
    values = {c: _parsed(model, c, data[c]) for c in allowed if c in data}
    return model(**values, **extra)


def _values(model: type, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The row _build() would make, as column values for a bulk insert."""
    allowed = _COLUMNS[model] + _PERSONAL.get(model, ())
    return {**{c: _parsed(model, c, data[c]) for c in allowed if c in data}, **extra}


def _ref_number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[-1])


def checksum(content: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(content).encode()).hexdigest()


def dumps(bundle: dict[str, Any]) -> str:
    """The bundle as the file is written: stable key order, so equal content is equal text."""
    return json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@functools.cache
def _schema_validator() -> Any:
    """The bundle schema's validator (jsonschema), the schema itself checked once per
    process: it explains what is wrong with a bundle that does not match."""
    document = schema()
    validator_class = jsonschema.validators.validator_for(document)
    validator_class.check_schema(document)
    return validator_class(document)


@functools.cache
def _fast_validator() -> Any:
    """The same schema compiled by jsonschema-rs, which checks a bundle of thousands of
    rows in milliseconds where jsonschema takes seconds. Formats are not asserted, as
    jsonschema's validator above does not assert them either."""
    return jsonschema_rs.validator_for(schema(), validate_formats=False)


def _validate_against_schema(bundle: Any) -> None:
    if _fast_validator().is_valid(bundle):
        return
    # The same error as jsonschema.validate would raise: the most relevant one.
    error = jsonschema.exceptions.best_match(_schema_validator().iter_errors(bundle))
    if error is None:
        # Where the two disagree, the stricter one decides.
        first = next(iter(_fast_validator().iter_errors(bundle)))
        error = jsonschema.ValidationError(first.message, path=list(first.instance_path))
    raise error


class _Refs:
    """Bundle-local names for database ids, in the order of the ids."""

    def __init__(self, prefix: str, ids: list[int]):
        self.prefix = prefix
        self.by_id = {id_: f"{prefix}-{n}" for n, id_ in enumerate(sorted(set(ids)), start=1)}

    def __call__(self, id_: int | None) -> str | None:
        return None if id_ is None else self.by_id[id_]


# Export ------------------------------------------------------------------------------
#
# Our own output is not validated against the JSON Schema on every export (that cost
# two thirds of an export): the tests validate real exports of rich editions against the
# published schema instead (tests/test_bundles.py).

def export_edition(actor: Actor, slug: str, *, include_personal: bool = False
                   ) -> dict[str, Any]:
    """The bundle as a document (the CLI writes it with dumps())."""
    edition = _exported(actor, slug)
    content = _content(edition, include_personal)
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "exported_at": utcnow().isoformat(), "includes_personal_data": include_personal,
            "checksum": checksum(content), "content": content}


def export_stream(actor: Actor, slug: str, *, include_personal: bool = False
                  ) -> Iterator[bytes]:
    """The bundle as compact JSON in pieces, for a response that starts before the whole
    text exists. Everything is read from the database before this returns (so a refusal
    or a failed read comes before the first byte); the generator only writes JSON.

    The content is written in its canonical form (sorted keys, no spaces), so its checksum
    is the SHA-256 of the bytes as they pass; the checksum therefore comes after the
    content, the last member of the document (JSON objects have no order: a reader finds
    it where it is, and the import verifies it as before)."""
    edition = _exported(actor, slug)
    content = _content(edition, include_personal)
    head = {"format": FORMAT, "format_version": FORMAT_VERSION,
            "exported_at": utcnow().isoformat(), "includes_personal_data": include_personal}
    return _written(head, content)


def _exported(actor: Actor, slug: str) -> Edition:
    from eventhub.editions.service import get_edition

    authorize(actor, Permission.MANAGE_USERS)
    return get_edition(actor, slug)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# Rows written per piece of a long list: a few hundred KiB of text at a time.
_ROWS_PER_PIECE = 500


def _canonical_pieces(value: Any) -> Iterator[str]:
    """The canonical text of `value` (as _canonical() writes it, character for
    character) in pieces: objects member by member, long lists some rows at a time."""
    if isinstance(value, dict):
        yield "{"
        for n, key in enumerate(sorted(value)):
            yield ("," if n else "") + _canonical(key) + ":"
            yield from _canonical_pieces(value[key])
        yield "}"
    elif isinstance(value, list) and len(value) > _ROWS_PER_PIECE:
        yield "["
        for start in range(0, len(value), _ROWS_PER_PIECE):
            yield ("," if start else "") + _canonical(
                value[start:start + _ROWS_PER_PIECE])[1:-1]
        yield "]"
    else:
        yield _canonical(value)


def _written(head: dict[str, Any], content: dict[str, Any]) -> Iterator[bytes]:
    digest = hashlib.sha256()
    yield (_canonical(head)[:-1] + ',"content":').encode()
    pending: list[bytes] = []
    size = 0
    for piece in _canonical_pieces(content):
        data = piece.encode()
        digest.update(data)
        pending.append(data)
        size += len(data)
        if size >= 256 * 1024:
            yield b"".join(pending)
            pending, size = [], 0
    pending.append(f',"checksum":"sha256:{digest.hexdigest()}"}}\n'.encode())
    yield b"".join(pending)


def _rows(model: type, *criteria: Any) -> list[Any]:
    """The model's rows as plain rows (columns by name), in the order of their ids:
    reading thousands of registrations as mapped objects cost more than everything
    else an export does."""
    table = model.__table__
    return list(db.session.execute(select(table).where(*criteria).order_by(table.c.id)))


def _all(model: type, *criteria: Any) -> list[Any]:
    return list(db.session.scalars(select(model).where(*criteria).order_by(model.id)))


def _content(edition: Edition, personal: bool) -> dict[str, Any]:
    figures = _rows(ReportedFigure, ReportedFigure.edition_id == edition.id)
    participations = _rows(Participation, Participation.edition_id == edition.id)
    items = _rows(ProgrammeItem, ProgrammeItem.edition_id == edition.id)
    item_ids = [i.id for i in items]
    speeches = _rows(Speech, Speech.item_id.in_(
        select(ProgrammeItem.id).where(ProgrammeItem.edition_id == edition.id)))
    exhibitors = _rows(Exhibitor, Exhibitor.edition_id == edition.id)
    versions = _rows(ProgrammeVersion, ProgrammeVersion.edition_id == edition.id)
    # Mapped objects: an invitation's status is computed (a sent one past its deadline
    # is expired), and an edition has one invitation per organization at most.
    invitations = _all(Invitation, Invitation.edition_id == edition.id)
    delegations = _rows(Delegation, Delegation.edition_id == edition.id)
    credentials = {c.delegation_id: c for c in _rows(
        CredentialDocument, CredentialDocument.delegation_id.in_(
            select(Delegation.id).where(Delegation.edition_id == edition.id)))}
    registrations = _rows(Registration, Registration.edition_id == edition.id)
    signups = _rows(SessionSignup, SessionSignup.item_id.in_(
        select(ProgrammeItem.id).where(ProgrammeItem.edition_id == edition.id)))
    statements = _all(Statement, Statement.edition_id == edition.id)

    organization_ids = ({edition.host_organization_id}
                        | {p.organization_id for p in participations}
                        | {e.organization_id for e in exhibitors}
                        | {i.organization_id for i in invitations}
                        | {d.organization_id for d in delegations}) - {None}
    directory, people, organizations = _as_shown(edition, organization_ids)

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

    speeches_of: dict[int, list[Any]] = {}
    for speech in speeches:
        speeches_of.setdefault(speech.item_id, []).append(speech)
    return {
        "directory": "snapshot" if directory.frozen else "live",
        "series": _fields(edition.series, personal),
        "edition": {**_fields(edition, personal),
                    "host_organization": org_ref(edition.host_organization_id)},
        "figures": [_fields(f, personal, ReportedFigure) for f in figures],
        "organizations": [{**_fields(o, personal, Organization), "ref": org_ref(o.id),
                           "parent": org_ref(o.parent_id)} for o in organizations],
        "people": [{**_fields(p, personal, Person), "ref": person_ref(p.id),
                    "organization": org_ref(p.organization_id)} for p in people],
        "participations": [{**_fields(p, personal, Participation),
                            "organization": org_ref(p.organization_id)}
                           for p in participations],
        "programme": {
            "items": [{**_fields(i, personal, ProgrammeItem), "ref": item_ref(i.id),
                       "speeches": [{**_fields(s, personal, Speech), "ref": speech_ref(s.id),
                                     "person": person_ref(s.person_id)}
                                    for s in speeches_of.get(i.id, [])]}
                      for i in items],
            "exhibitors": [{**_fields(e, personal, Exhibitor),
                            "organization": org_ref(e.organization_id)}
                           for e in exhibitors],
            "signups": [{**_fields(s, personal, SessionSignup), "item": item_ref(s.item_id),
                         "registration": registration_ref(s.registration_id)}
                        for s in signups],
            "versions": [{**_fields(v, personal, ProgrammeVersion),
                          "items": export_snapshot(v.items)}
                         for v in versions],
        },
        "invitations": [{**_fields(i, personal), "ref": invitation_ref(i.id),
                         "organization": org_ref(i.organization_id)} for i in invitations],
        "delegations": [{**_fields(d, personal, Delegation), "ref": delegation_ref(d.id),
                         "organization": org_ref(d.organization_id),
                         "invitation": invitation_ref(d.invitation_id),
                         "credential": _fields(credentials[d.id], personal,
                                               CredentialDocument)
                         if d.id in credentials else None} for d in delegations],
        "registrations": [{**_fields(r, personal, Registration),
                           "ref": registration_ref(r.id),
                           "person": person_ref(r.person_id),
                           "delegation": delegation_ref(r.delegation_id)}
                          for r in registrations],
        "statements": [_statement(s, statement_ref, personal) for s in statements],
    }


def _as_shown(edition: Edition, organization_ids: set[int]
              ) -> tuple[ShownDirectory, list[Any], list[Any]]:
    """The edition's people and organizations (with the organizations of the people and
    every parent) as the edition shows them, in the order of their ids: the snapshot of
    an archived edition, the live directory otherwise. Live people are read as plain
    rows, found by a subquery rather than a list of thousands of ids."""
    directory = shown(edition)
    named = union(
        select(Registration.person_id).where(Registration.edition_id == edition.id),
        select(Speech.person_id).join(ProgrammeItem, ProgrammeItem.id == Speech.item_id)
        .where(ProgrammeItem.edition_id == edition.id))
    live = Person.__table__
    people = [row for row in db.session.execute(
        select(live).where(live.c.id.in_(named)).order_by(live.c.id))]
    if directory.frozen:
        people = [directory.person(row.id, lambda row=row: row) for row in people]
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
    _check_content(content)
    slug = content["edition"]["slug"]
    if db.session.scalar(select(Edition.id).where(Edition.slug == slug)) is not None:
        raise Conflict(N_("Edition %(edition)s already exists here; nothing was imported."),
                       code="bundle.edition_exists", edition=slug)

    series = db.session.scalar(select(Series).where(Series.slug == content["series"]["slug"]))
    if series is None:
        series = _build(Series, content["series"])
        db.session.add(series)
        db.session.flush()
    if db.session.scalar(select(Edition.id).where(
            Edition.series_id == series.id,
            Edition.ordinal == content["edition"]["ordinal"])) is not None:
        raise Conflict(N_("Edition number %(ordinal)s of series %(series)s already exists "
                          "here; nothing was imported."),
                       code="bundle.ordinal_exists", ordinal=content["edition"]["ordinal"],
                       series=series.slug)

    organizations = _import_organizations(content["organizations"])

    def organization_id(ref: str | None) -> int | None:
        return organizations[ref].id if ref else None

    # The many rows (people, speeches, registrations, signups) are inserted in bulk, with
    # their audit entries (eventhub.audit.bulk), in the order of their references.
    people = dict(zip([row["ref"] for row in content["people"]], insert_rows(
        Person.__table__, [_values(Person, row, organization_id=organization_id(
            row["organization"])) for row in content["people"]]), strict=True))

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
    speeches = dict(zip([speech_row["ref"] for speech_row, _ in speech_rows], insert_rows(
        Speech.__table__, [_values(Speech, speech_row, item_id=items[item_ref].id,
                                   person_id=people[speech_row["person"]])
                           for speech_row, item_ref in speech_rows],
        edition_id=edition.id), strict=True))
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
    db.session.flush()
    registrations = dict(zip([row["ref"] for row in content["registrations"]], insert_rows(
        Registration.__table__, [_values(
            Registration, row, edition_id=edition.id, person_id=people[row["person"]],
            delegation_id=delegations[row["delegation"]].id if row["delegation"] else None)
            for row in content["registrations"]]), strict=True))
    insert_rows(SessionSignup.__table__, [
        _values(SessionSignup, row, item_id=items[row["item"]].id,
                registration_id=registrations[row["registration"]])
        for row in content["programme"]["signups"]], edition_id=edition.id)

    ids = {"item": {r: i.id for r, i in items.items()},
           "speech": speeches,
           "person": people,
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
        raise BundleError(N_("This is not an EventHub edition bundle (format %(format)s)."),
                          code="bundle.not_a_bundle", format=FORMAT)
    if bundle.get("format_version") not in READABLE_VERSIONS:
        raise BundleError(N_("Unknown bundle format version %(version)s; this instance reads "
                             "versions %(readable)s."),
                          code="bundle.unknown_version",
                          version=json.dumps(bundle.get("format_version")),
                          readable=", ".join(map(str, READABLE_VERSIONS)))
    try:
        _validate_against_schema(bundle)
    except jsonschema.ValidationError as exc:
        # jsonschema's own explanation stays in English: it quotes the schema.
        raise BundleError(N_("The bundle does not match its schema at %(where)s: %(reason)s"),
                          code="bundle.schema_mismatch",
                          where="/".join(str(p) for p in exc.absolute_path) or "(top)",
                          reason=exc.message) from None
    # The canonical text serves both checks: text that JSON writes without "\u0000" and
    # that encodes as UTF-8 holds no NUL and no unpaired surrogate, so only a bundle that
    # may hold one is searched string by string for the places to name.
    canonical = _canonical(bundle["content"])
    try:
        encoded = canonical.encode()
    except UnicodeEncodeError:
        encoded = None
    may_be_unstorable = encoded is None or "\\u0000" in canonical
    if may_be_unstorable and (unstorable := unstorable_text_paths(bundle["content"],
                                                                  "content")):
        raise BundleError(N_("The bundle holds NUL characters (U+0000) or unpaired surrogates "
                             "(U+D800 to U+DFFF), which cannot be stored, at %(places)s."),
                          code="bundle.unstorable_text", places=", ".join(unstorable[:5]))
    if encoded is None or "sha256:" + hashlib.sha256(encoded).hexdigest() != bundle["checksum"]:
        raise BundleError(N_("The bundle's checksum does not match its content: the file was "
                             "changed or damaged."), code="bundle.checksum_mismatch")


def _check_directory(bundle: dict[str, Any]) -> None:
    """Format 2 says whose organizations and people it carries: an archived edition's
    snapshot, or the live directory of an edition that is not archived."""
    content = bundle["content"]
    archived = content["edition"]["status"] == EditionStatus.ARCHIVED.value
    expected = "snapshot" if archived else "live"
    if bundle["format_version"] >= 2 and content.get("directory") != expected:
        raise BundleError(N_("The bundle's content/directory is %(directory)s, but an "
                             "edition that is %(status)s carries %(expected)s organizations "
                             "and people."),
                          code="bundle.directory_mismatch",
                          directory=json.dumps(content.get("directory")),
                          status=content["edition"]["status"], expected=json.dumps(expected))


def _import_snapshot(content: dict[str, Any], edition: Edition,
                     organizations: dict[str, Organization], people: dict[str, int]
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
        [{"person_id": people[row["ref"]],
          **{c: row.get(c) for c in ("full_name", "honorific", "position")},
          "organization_id": organization_id(row.get("organization"))}
         for row in content["people"]])


# Validation --------------------------------------------------------------------------
#
# The JSON Schema checks the outline of a bundle. What it cannot see is checked here, over
# the whole bundle and before anything is written: every reference names an object of the
# right kind in the bundle, references are unique, parents form no cycle, rows the
# database keeps unique are unique, and every value is one its column stores. Every
# problem is reported at once, with its place in the bundle
# ("content.registrations[3].person") and the reference found there.
#
# Paths name rows from the content down: "programme.items[].speeches[]" are the speeches
# of every item; "name?" is an object that may be null. A new kind of reference is one
# entry in _REFERS (and a new kind of object one entry in _DEFINES).

@dataclass(frozen=True)
class _Defines:
    """The rows at `path` are objects of `kind`, named by their `key` field: a reference
    such as "person-4" unique in the bundle or, with a `scope`, unique within each row of
    the scope (a statement's comments, a statement's revisions by number)."""

    kind: str
    path: str
    key: str = "ref"
    scope: str | None = None
    within: str = "this bundle"


@dataclass(frozen=True)
class _Refers:
    """The `field` of the rows at `path` names an object of `kind`.

    nullable: null means none. gone: a published programme snapshot names what was
    deleted since publication "gone-<kind>-<n>". acyclic: following the field from row
    to row never comes back to the start. earlier: it names a row before this one (a reply
    follows the comment it answers). original: it names a row whose own field is null (a
    translation is made from the original, never from another translation)."""

    path: str
    field: str
    kind: str
    nullable: bool = False
    gone: bool = False
    acyclic: bool = False
    earlier: bool = False
    original: bool = False


_DEFINES = (
    _Defines("organization", "organizations[]"),
    _Defines("person", "people[]"),
    _Defines("item", "programme.items[]"),
    _Defines("speech", "programme.items[].speeches[]"),
    _Defines("invitation", "invitations[]"),
    _Defines("delegation", "delegations[]"),
    _Defines("registration", "registrations[]"),
    _Defines("statement", "statements[]"),
    _Defines("comment", "statements[].comments[]", scope="statements[]",
             within="this statement"),
    _Defines("revision", "statements[].revisions[]", key="number", scope="statements[]",
             within="this statement"),
)

_SNAPSHOT = "programme.versions[].items[]"
_REFERS = (
    _Refers("edition", "host_organization", "organization", nullable=True),
    _Refers("organizations[]", "parent", "organization", nullable=True, acyclic=True),
    _Refers("people[]", "organization", "organization", nullable=True),
    _Refers("participations[]", "organization", "organization"),
    _Refers("programme.items[].speeches[]", "person", "person"),
    _Refers("programme.exhibitors[]", "organization", "organization"),
    _Refers("programme.signups[]", "item", "item"),
    _Refers("programme.signups[]", "registration", "registration"),
    _Refers("invitations[]", "organization", "organization"),
    _Refers("delegations[]", "organization", "organization"),
    _Refers("delegations[]", "invitation", "invitation", nullable=True),
    _Refers("registrations[]", "person", "person"),
    _Refers("registrations[]", "delegation", "delegation", nullable=True),
    _Refers("statements[]", "translation_of", "statement", nullable=True, original=True),
    _Refers("statements[]", "approved_revision", "revision", nullable=True),
    _Refers("statements[]", "published_revision", "revision", nullable=True),
    _Refers("statements[].comments[]", "parent", "comment", nullable=True, earlier=True),
    _Refers("statements[].suggestions[]", "base_revision", "revision"),
    _Refers("statements[].suggestions[]", "resulting_revision", "revision", nullable=True),
    _Refers(_SNAPSHOT, "id", "item", gone=True),
    _Refers(f"{_SNAPSHOT}.speeches[]", "id", "speech", gone=True),
    _Refers(f"{_SNAPSHOT}.speeches[].person", "id", "person", gone=True),
    _Refers(f"{_SNAPSHOT}.speeches[].person.organization?", "id", "organization", gone=True),
)

# Rows the database keeps unique (within the list they are in), with the reason.
_UNIQUE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("organizations[]", ("name", "country_code"),
     N_("the directory holds one organization per name and country")),
    ("figures[]", ("key",), N_("an edition reports each figure once")),
    ("participations[]", ("organization",), N_("an organization takes part once")),
    ("programme.items[].speeches[]", ("position",),
     N_("the speeches of an item have distinct positions")),
    ("programme.exhibitors[]", ("organization",), N_("an organization exhibits once")),
    ("programme.signups[]", ("item", "registration"),
     N_("a registration signs up for an item once")),
    ("programme.versions[]", ("number",), N_("programme versions have distinct numbers")),
    ("invitations[]", ("organization",), N_("an organization is invited once")),
    ("delegations[]", ("organization",), N_("an organization sends one delegation")),
    ("delegations[]", ("invitation",), N_("an invitation is answered by one delegation")),
    ("registrations[]", ("person",), N_("a person registers once")),
    ("registrations[]", ("badge_code",), N_("badge codes are unique")),
)

# Where the rows of each model are; their columns are checked against the model.
_ROWS: tuple[tuple[str, type], ...] = (
    ("series", Series),
    ("edition", Edition),
    ("figures[]", ReportedFigure),
    ("organizations[]", Organization),
    ("people[]", Person),
    ("participations[]", Participation),
    ("programme.items[]", ProgrammeItem),
    ("programme.items[].speeches[]", Speech),
    ("programme.exhibitors[]", Exhibitor),
    ("programme.signups[]", SessionSignup),
    ("programme.versions[]", ProgrammeVersion),
    ("invitations[]", Invitation),
    ("delegations[]", Delegation),
    ("delegations[].credential?", CredentialDocument),
    ("registrations[]", Registration),
    ("statements[]", Statement),
    ("statements[].revisions[]", StatementRevision),
    ("statements[].comments[]", StatementComment),
    ("statements[].suggestions[]", StatementSuggestion),
)

# Values the database's CHECK constraints or the application require of a column.
_VALUES: tuple[tuple[str, str, Callable[[Any], bool], str], ...] = (
    ("edition", "time_zone", lambda v: v in time_zone_names(),
     N_("is not an IANA time zone name")),
    ("edition", "ordinal", lambda v: v >= 1, N_("must be at least 1")),
    ("edition", "capacity", lambda v: v >= 0, N_("must not be negative")),
    ("figures[]", "value", lambda v: v >= 0, N_("must not be negative")),
    ("programme.items[]", "capacity", lambda v: v >= 0, N_("must not be negative")),
    ("invitations[]", "quota", lambda v: v >= 1, N_("must be at least 1")),
)
# ... and of two columns of a row (given as parsed values).
_ORDERS: tuple[tuple[str, str, str, Callable[[Any, Any], bool], str], ...] = (
    ("edition", "start_date", "end_date", operator.le, N_("is before start_date")),
    ("programme.items[]", "starts_at", "ends_at", operator.lt, N_("is not after starts_at")),
)

_MAX_PROBLEMS = 1000
_MISSING = object()
_GONE = re.compile(r"gone-([a-z]+)-(?:0|[1-9][0-9]*)")
_REF = re.compile(r"([a-z]+)-[0-9]+")


# How the problems name the kinds of objects, in the sentences they are put in.
_A_KIND = {
    "organization": N_("an organization"), "person": N_("a person"), "item": N_("an item"),
    "speech": N_("a speech"), "invitation": N_("an invitation"),
    "delegation": N_("a delegation"), "registration": N_("a registration"),
    "statement": N_("a statement"), "comment": N_("a comment"), "revision": N_("a revision"),
}
_KIND = {
    "organization": N_("organization"), "person": N_("person"), "item": N_("item"),
    "speech": N_("speech"), "invitation": N_("invitation"), "delegation": N_("delegation"),
    "registration": N_("registration"), "statement": N_("statement"),
    "comment": N_("comment"), "revision": N_("revision"),
}
_WITHIN = {"this bundle": N_("this bundle"), "this statement": N_("this statement")}
# Kinds named by a number within their scope, as a problem shows one.
_NUMBERED = {"revision": N_("revision %(number)s")}
# The problems of the references that must name an original (`_Refers.original`) and of
# those that must not run in a cycle (`_Refers.acyclic`), by the field that refers.
_NOT_ORIGINAL = {
    "translation_of": N_("%(shown)s is itself a translation of %(original)s; name that one "
                         "instead"),
}
_SELF_AND_CYCLE = {
    "parent": (N_("%(member)s names itself as its parent"),
               N_("parents run in a cycle: %(cycle)s")),
}


def _words(message: str, **params: Any) -> LazyString:
    """A phrase put into a problem's message: translated when the message is, in the same
    language."""
    return LazyString(translate, message, params or None)


@dataclass(frozen=True)
class _Problem:
    """A problem as a client reads it: a stable code, and a message (a msgid) with its
    parameters, translated when the refusal is answered."""

    code: str
    message: str
    params: dict[str, Any]


def _problem(code: str, message: str, **params: Any) -> _Problem:
    return _Problem(code, message, params)


_MISSING_VALUE = _problem("bundle.missing", N_("is missing"))
_MISSING_OR_NULL = _problem("bundle.missing", N_("is missing (null for none)"))


class _Problems:
    """What is wrong with a bundle, one problem per place (the first one found)."""

    def __init__(self) -> None:
        self.found: dict[str, dict[str, Any]] = {}

    def add(self, place: str, problem: _Problem, ref: Any = None) -> None:
        if place not in self.found:
            entry: dict[str, Any] = {"field": place, "location": "json",
                                     "message": problem.message, "code": problem.code}
            if problem.params:
                entry["params"] = problem.params
            if isinstance(ref, str | int) and not isinstance(ref, bool):
                entry["ref"] = str(ref)
            self.found[place] = entry

    def __contains__(self, place: str) -> bool:
        return place in self.found


@dataclass
class _Row:
    place: str  # "content.statements[1].comments[0]"
    row: dict[str, Any]
    scopes: dict[str, str]  # the places of the rows holding it, by path ("statements[]")
    number: int  # its position among the rows of its path


class _Walk:
    """The rows of a bundle's content by path; what is not shaped as the import reads it
    is a problem (reported once, however many paths pass through it)."""

    def __init__(self, content: dict[str, Any], problems: _Problems):
        self.content = content
        self.problems = problems
        self.cache: dict[str, list[_Row]] = {}

    def __call__(self, path: str) -> list[_Row]:
        if path not in self.cache:
            self.cache[path] = self._walk(path)
        return self.cache[path]

    def _walk(self, path: str) -> list[_Row]:
        head, _, segment = path.rpartition(".")
        parents = self(head) if head else [_Row("content", self.content, {}, 0)]
        name = segment.removesuffix("[]").removesuffix("?")
        many, nullable = segment.endswith("[]"), segment.endswith("?")
        found: list[_Row] = []
        for parent in parents:
            place = f"{parent.place}.{name}"
            value = parent.row.get(name, _MISSING)
            if value is _MISSING:
                self.problems.add(place, _MISSING_OR_NULL if nullable else _MISSING_VALUE)
            elif many and not isinstance(value, list):
                self.problems.add(place, _problem("bundle.not_a_list", N_("must be a list")))
            elif many:
                for n, child in enumerate(value):
                    if isinstance(child, dict):
                        found.append(_Row(f"{place}[{n}]", child,
                                          {**parent.scopes, path: f"{place}[{n}]"},
                                          len(found)))
                    else:
                        self.problems.add(f"{place}[{n}]", _problem(
                            "bundle.not_an_object", N_("must be an object")))
            elif value is None and nullable:
                continue
            elif isinstance(value, dict):
                found.append(_Row(place, value, {**parent.scopes, path: place}, len(found)))
            else:
                self.problems.add(place, _problem(
                    "bundle.not_an_object",
                    N_("must be an object or null") if nullable else N_("must be an object")))
        return found


def _a(kind: str) -> LazyString:
    return _words(_A_KIND[kind])


def _not_a_key(kind: _Defines) -> _Problem:
    if kind.key == "ref":
        return _problem("bundle.not_a_reference",
                        N_("must be %(a_kind)s reference such as %(example)s"),
                        a_kind=_a(kind.kind), example=f"{kind.kind}-1")
    return _problem("bundle.not_a_reference", N_("must be %(a_kind)s number (1 or more)"),
                    a_kind=_a(kind.kind))


def _check_content(content: dict[str, Any]) -> None:
    """Refuse (422, every problem listed) a bundle whose rows do not hold together."""
    problems = _Problems()
    _check_numbers(content, problems)
    walk = _Walk(content, problems)
    defined = _defined_objects(walk, problems)
    _check_references(walk, defined, problems)
    _check_unique_rows(walk, problems)
    _check_columns(walk, problems)
    if not problems.found:
        _check_parents_here(content["organizations"], problems)
    if problems.found:
        entries = list(problems.found.values())
        count = len(entries)
        if count > _MAX_PROBLEMS:
            raise BundleError(
                N_("The bundle does not hold together. Problems with its references or "
                   "values: %(count)s; the first %(listed)s are listed with their places in "
                   "the bundle. Nothing was imported."),
                code="bundle.inconsistent", count=count, listed=_MAX_PROBLEMS,
                errors=entries[:_MAX_PROBLEMS])
        raise BundleError(
            N_("The bundle does not hold together. Problems with its references or values: "
               "%(count)s, listed with their places in the bundle. Nothing was imported."),
            code="bundle.inconsistent", count=count, errors=entries)


def _check_numbers(content: dict[str, Any], problems: _Problems) -> None:
    """NaN and Infinity, which Python's JSON reads but no database column stores."""
    pending: list[tuple[str, Any]] = [("content", content)]
    while pending:
        place, container = pending.pop()
        entries = (container.items() if isinstance(container, dict)
                   else enumerate(container))
        for key, value in entries:
            if isinstance(value, dict | list):
                pending.append((_place(place, key), value))
            elif isinstance(value, float) and not math.isfinite(value):
                problems.add(_place(place, key), _problem(
                    "bundle.not_a_number", N_("%(value)s is no number a database stores"),
                    value=str(value)))


def _place(container: str, key: str | int) -> str:
    return f"{container}[{key}]" if isinstance(key, int) else f"{container}.{key}"


def _defined_objects(walk: _Walk, problems: _Problems
                     ) -> dict[tuple[str, str], dict[Any, _Row]]:
    """The objects of the bundle by kind and scope ("" for the whole bundle), by key."""
    defined: dict[tuple[str, str], dict[Any, _Row]] = {}
    for kind in _DEFINES:
        for row in walk(kind.path):
            table = defined.setdefault((kind.kind, row.scopes[kind.scope] if kind.scope
                                        else ""), {})
            key = row.row.get(kind.key, _MISSING)
            if _is_key(kind, key) and key not in table:
                table[key] = row
                continue
            place = f"{row.place}.{kind.key}"
            if key is _MISSING:
                problems.add(place, _MISSING_VALUE)
            elif not _is_key(kind, key):
                problems.add(place, _not_a_key(kind), key)
            else:
                problems.add(place, _problem(
                    "bundle.duplicate_reference",
                    N_("%(shown)s is already the reference of %(other)s"),
                    shown=_shown(kind, key), other=table[key].place), key)
    return defined


def _is_key(kind: _Defines, value: Any) -> bool:
    if kind.key == "ref":
        match = _REF.fullmatch(value) if isinstance(value, str) else None
        return match is not None and match.group(1) == kind.kind
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _shown(kind: _Defines, key: Any) -> str | LazyString:
    return str(key) if kind.key == "ref" else _words(_NUMBERED[kind.kind], number=key)


def _check_references(walk: _Walk, defined: dict[tuple[str, str], dict[Any, _Row]],
                      problems: _Problems) -> None:
    kinds = {kind.kind: kind for kind in _DEFINES}
    for refers in _REFERS:
        kind = kinds[refers.kind]
        # For cycles: per scope, the row each row names (by key) and where it names it.
        links: dict[str, dict[Any, tuple[Any, str]]] = {}
        for row in walk(refers.path):
            place = f"{row.place}.{refers.field}"
            value = row.row.get(refers.field, _MISSING)
            if value is _MISSING:
                problems.add(place, _MISSING_OR_NULL if refers.nullable else _MISSING_VALUE)
                continue
            if value is None:
                if not refers.nullable:
                    problems.add(place, _problem(
                        "bundle.null_reference", N_("must name %(a_kind)s of %(within)s, "
                                                    "not null"),
                        a_kind=_a(kind.kind), within=_words(_WITHIN[kind.within])))
                continue
            scope = row.scopes[kind.scope] if kind.scope else ""
            table = defined.get((kind.kind, scope), {})
            target = (table.get(value) if isinstance(value, str | int)
                      and not isinstance(value, bool) else None)
            if target is None:
                if not (refers.gone and isinstance(value, str)
                        and (gone := _GONE.fullmatch(value)) and gone.group(1) == kind.kind):
                    problems.add(place, _unresolved(refers, kind, value, defined), value)
                continue
            shown_value = _shown(kind, value)
            noun = _words(_KIND[kind.kind])
            if refers.earlier and target.number >= row.number:
                problems.add(place, _problem(
                    "bundle.not_earlier",
                    N_("%(shown)s is this %(kind)s; it must name an earlier one")
                    if target is row else
                    N_("%(shown)s is a later %(kind)s; it must name an earlier one"),
                    shown=shown_value, kind=noun), value)
            elif refers.original and target is row:
                problems.add(place, _problem(
                    "bundle.self_reference", N_("%(shown)s is this %(kind)s itself"),
                    shown=shown_value, kind=noun), value)
            elif refers.original and target.row.get(refers.field) is not None:
                problems.add(place, _problem(
                    "bundle.not_original", _NOT_ORIGINAL[refers.field], shown=shown_value,
                    original=str(target.row[refers.field])), value)
            elif refers.acyclic:
                own = row.row.get(kind.key)
                if _is_key(kind, own) and table.get(own) is row:
                    links.setdefault(scope, {})[own] = (value, place)
        for scope_links in links.values():
            _check_cycles(refers, kind, scope_links, problems)


def _unresolved(refers: _Refers, kind: _Defines, value: Any,
                defined: dict[tuple[str, str], dict[Any, _Row]]) -> _Problem:
    shaped = (isinstance(value, str) if kind.key == "ref"
              else isinstance(value, int) and not isinstance(value, bool))
    if not shaped:
        return _not_a_key(kind)
    other = _REF.fullmatch(value) if isinstance(value, str) else None
    if other and other.group(1) != kind.kind and value in defined.get((other.group(1), ""),
                                                                       {}):
        return _problem("bundle.wrong_kind", N_("%(value)s is %(a_other)s, not %(a_kind)s"),
                        value=value, a_other=_a(other.group(1)), a_kind=_a(kind.kind))
    params = {"shown": _shown(kind, value), "a_kind": _a(kind.kind),
              "within": _words(_WITHIN[kind.within])}
    if refers.gone:
        return _problem("bundle.unknown_reference",
                        N_("%(shown)s is not %(a_kind)s of %(within)s (one deleted since "
                           "publication is named %(gone)s)"),
                        gone=f"gone-{kind.kind}-<number>", **params)
    return _problem("bundle.unknown_reference", N_("%(shown)s is not %(a_kind)s of %(within)s"),
                    **params)


def _check_cycles(refers: _Refers, kind: _Defines, links: dict[Any, tuple[Any, str]],
                  problems: _Problems) -> None:
    done: set[Any] = set()
    for start in links:
        chain: list[Any] = []
        node = start
        while node in links and node not in done:
            if node in chain:
                cycle = chain[chain.index(node):]
                for n, member in enumerate(cycle):
                    target, place = links[member]
                    itself, in_a_cycle = _SELF_AND_CYCLE[refers.field]
                    if target == member:
                        problems.add(place, _problem("bundle.cycle", itself,
                                                     member=str(member)), target)
                    else:
                        around = " → ".join(map(str, [*cycle[n:], *cycle[:n], member]))
                        problems.add(place, _problem("bundle.cycle", in_a_cycle,
                                                     cycle=around), target)
                break
            chain.append(node)
            node = links[node][0]
        done.update(chain)


def _check_unique_rows(walk: _Walk, problems: _Problems) -> None:
    for path, fields, reason in _UNIQUE:
        first: dict[tuple[str, str], str] = {}
        for row in walk(path):
            values = tuple(row.row.get(field) for field in fields)
            if all(value is None for value in values):
                continue
            container = row.scopes.get(path.rpartition(".")[0], "")
            key = (container, values if all(isinstance(v, str | int | float | None)
                                            for v in values)
                   else json.dumps(values, sort_keys=True, default=str))
            if key in first:
                shown = ", ".join("null" if v is None else str(v) for v in values)
                problems.add(f"{row.place}.{fields[0]}", _problem(
                    "bundle.duplicate_row",
                    N_("the same %(fields)s (%(values)s) as %(other)s: %(reason)s"),
                    fields=", ".join(fields), values=shown, other=first[key],
                    reason=_words(reason)), values[0])
            else:
                first[key] = row.place


def _check_columns(walk: _Walk, problems: _Problems) -> None:
    for path, model in _ROWS:
        columns = [model.__table__.c[name]
                   for name in _COLUMNS[model] + _PERSONAL.get(model, ())]
        for row in walk(path):
            for column in columns:
                if problem := _column_problem(column, row.row.get(column.name, _MISSING)):
                    problems.add(f"{row.place}.{column.name}", problem)
    for path, name, valid, message in _VALUES:
        for row in walk(path):
            place = f"{row.place}.{name}"
            if row.row.get(name) is not None and place not in problems and not valid(
                    row.row[name]):
                problems.add(place, _problem("bundle.invalid_value", message))
    models = dict(_ROWS)
    for path, before, after, ordered, message in _ORDERS:
        for row in walk(path):
            places = (f"{row.place}.{before}", f"{row.place}.{after}")
            if (None in (row.row.get(before), row.row.get(after))
                    or any(place in problems for place in places)):
                continue
            if not ordered(_parsed(models[path], before, row.row[before]),
                           _parsed(models[path], after, row.row[after])):
                problems.add(places[1], _problem("bundle.out_of_order", message))
    # The statement's own dateline is its latest revision's.
    dateline_length = Statement.__table__.c["dateline"].type.length
    for row in walk("statements[]"):
        revisions = [r for r in walk("statements[].revisions[]")
                     if r.scopes["statements[]"] == row.place]
        numbered = [r for r in revisions if isinstance(r.row.get("number"), int)]
        if numbered:
            latest = max(numbered, key=lambda r: r.row["number"])
            dateline = (latest.row.get("content") or {}).get("dateline")
            if isinstance(dateline, str) and len(dateline) > dateline_length:
                problems.add(f"{latest.place}.content.dateline", _problem(
                    "bundle.too_long", N_("must be at most %(length)s characters long (the "
                                          "latest revision's dateline is the statement's)"),
                    length=dateline_length))


def _check_parents_here(rows: list[dict[str, Any]], problems: _Problems) -> None:
    """An organization that exists here already is reused and keeps its parent; one that
    has none takes the bundle's. That parent must not be among its descendants here, or the
    directory's parents would run in a cycle. (Only reads; the bundle is valid otherwise.)"""
    existing = _existing_organizations(rows)
    here = {row["ref"]: existing.get((row["name"], row.get("country_code"))) for row in rows}
    bundle_parent = {row["ref"]: row["parent"] for row in rows}
    # Nodes: an organization here by id, or a new one by its reference.
    node = {ref: ("id", o.id) if o else ("ref", ref) for ref, o in here.items()}
    taking = {node[ref]: ref for ref, o in here.items() if o is None or o.parent_id is None}

    def parent(of: tuple[str, Any]) -> tuple[str, Any] | None:
        if of in taking:
            ref = bundle_parent[taking[of]]
            return node[ref] if ref else None
        found = db.session.get(Organization, of[1])
        return ("id", found.parent_id) if found and found.parent_id else None

    for n, row in enumerate(rows):
        if here[row["ref"]] is None or not row["parent"] or node[row["ref"]] not in taking:
            continue
        start, seen = node[row["ref"]], set()
        current = parent(start)
        while current is not None and current not in seen:
            if current == start:
                problems.add(f"content.organizations[{n}].parent", _problem(
                    "bundle.cycle_here",
                    N_("%(parent)s is among the descendants of %(ref)s (%(name)s), which "
                       "exists here already: as its parent it would make the directory's "
                       "parents run in a cycle"),
                    parent=row["parent"], ref=row["ref"], name=row["name"]), row["parent"])
                break
            seen.add(current)
            current = parent(current)


def _column_problem(column: Any, value: Any) -> _Problem | None:
    """Why the database would not take this bundle value in this column, or None."""
    if value is _MISSING:
        required = (not column.nullable and column.default is None
                    and column.server_default is None)
        return _MISSING_VALUE if required else None
    if value is None:
        return None if column.nullable else _problem("bundle.null", N_("must not be null"))
    kind = column.type
    if isinstance(kind, UTCDateTime):
        try:
            parsed = dt.datetime.fromisoformat(value)
            aware = parsed.tzinfo is not None and parsed.astimezone(dt.UTC) is not None
        except (TypeError, ValueError, OverflowError):
            aware = False
        return None if aware else _problem(
            "bundle.not_a_datetime", N_("must be a date and time (ISO 8601) with its UTC "
                                        "offset, in the years 1 to 9999 in UTC"))
    if isinstance(kind, Date):
        try:
            exact = dt.date.fromisoformat(value).isoformat() == value
        except (TypeError, ValueError):
            exact = False
        return None if exact else _problem("bundle.not_a_date",
                                            N_("must be a date (YYYY-MM-DD)"))
    if isinstance(kind, Enum):
        return (None if isinstance(value, str) and value in kind.enums
                else _problem("bundle.not_a_choice", N_("must be one of %(choices)s"),
                              choices=", ".join(kind.enums)))
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else _problem(
            "bundle.not_a_boolean", N_("must be true or false"))
    if isinstance(kind, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            return _problem("bundle.not_an_integer", N_("must be an integer"))
        bits = 63 if isinstance(kind, BigInteger) else 31
        return None if -2**bits <= value < 2**bits else _problem(
            "bundle.out_of_range", N_("is out of range"))
    if isinstance(kind, String):
        if not isinstance(value, str):
            return _problem("bundle.not_text", N_("must be text"))
        return (_problem("bundle.too_long", N_("must be at most %(length)s characters long"),
                         length=kind.length)
                if kind.length is not None and len(value) > kind.length else None)
    if isinstance(kind, LargeBinary):
        try:
            base64.b64decode(value, validate=True)
        except (TypeError, ValueError):
            return _problem("bundle.not_base64", N_("must be base64"))
    return None


def _existing_organizations(rows: list[dict[str, Any]]
                            ) -> dict[tuple[str, str | None], Organization]:
    """The organizations here with the name and country of a row, by (name, country
    code): what directory.service.find_organization finds for each row, in a query per
    500 names instead of one per row (the first by id where several lack a country)."""
    names = sorted({row["name"] for row in rows})
    found: dict[tuple[str, str | None], Organization] = {}
    for start in range(0, len(names), 500):
        query = (select(Organization).where(Organization.name.in_(names[start:start + 500]))
                 .order_by(Organization.id))
        for organization in db.session.scalars(query):
            found.setdefault((organization.name, organization.country_code), organization)
    return found


def _import_organizations(rows: list[dict[str, Any]]) -> dict[str, Organization]:
    """Reuse an organization that already exists here (same name and country), or one an
    earlier row of the bundle made."""
    found = _existing_organizations(rows)
    organizations: dict[str, Organization] = {}
    for row in rows:
        key = (row["name"], row.get("country_code"))
        organization = found.get(key)
        if organization is None:
            organization = found[key] = _build(Organization, row)
        db.session.add(organization)
        organizations[row["ref"]] = organization
    # Inserted in the order of the rows, before any parent is set (as one at a time did).
    db.session.flush()
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
