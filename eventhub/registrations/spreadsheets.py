"""Spreadsheets for organizers: the roster out as CSV, registrations in from CSV.

An import is checked as a whole before anything is written: every row is validated, every
problem is reported with its line (the header is line 1) and column, and a file with any
problem imports nothing. A valid file is then registered row by row, in file order,
through service.register, so capacity, the waiting list and the one-registration-per-person
rule apply exactly as they do to a single registration.

What the roster export writes, the import reads back: the export's own columns that
describe a registration rather than ask for one (status, ids, badge, times) are ignored
and named in the result, and the apostrophe the export puts before a cell a spreadsheet
would run as a formula is taken off again.

Files come as Excel and its neighbours save them: UTF-8 (with or without a byte order
mark), "Unicode Text" (UTF-16 with a byte order mark, tab separated) and the legacy
"CSV (Comma delimited)" of Western European Windows (Windows-1252, comma or semicolon
separated). A file in any other encoding (a Chinese or Cyrillic legacy "CSV", a workbook)
is refused, naming the line that gave it away and the format to save as instead, rather
than imported with its names garbled.

Like every service, these functions only flush; the request commits (or rolls back).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from marshmallow import fields, pre_load, validate
from sqlalchemy import func, select

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.directory.models import Organization, Person
from eventhub.editions.models import EditionStatus
from eventhub.editions.service import ensure_writable, get_edition
from eventhub.errors import Conflict, Term, Unprocessable
from eventhub.extensions import db
from eventhub.i18n import N_, translate
from eventhub.registrations import service
from eventhub.registrations.models import Attendance, Registration, RegistrationRole
from eventhub.schemas import InputSchema, MultiLineText, RowId, not_blank
from eventhub.validation_messages import message

MAX_IMPORT_ROWS = 5000
BOM = "\ufeff"
LOCATION = "csv"

# Export -------------------------------------------------------------------------------

PUBLIC_COLUMNS = ("registration_id", "full_name", "position", "organization",
                  "organization_acronym", "country_code", "role", "status", "attendance",
                  "delegation_id", "badge_code", "checked_in_at", "confirmed_at", "created_at")
PRIVATE_COLUMNS = ("email", "needs_visa_letter", "dietary", "accessibility")
# A spreadsheet evaluates a cell starting with one of these as a formula (or DDE call).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def roster_columns(actor: Actor) -> tuple[str, ...]:
    if actor.can(Permission.READ_PRIVATE_CONTACTS):
        return PUBLIC_COLUMNS + PRIVATE_COLUMNS
    return PUBLIC_COLUMNS


def _needs_guard(text: str) -> bool:
    # Also a text that starts with apostrophes before a trigger gets one more, so that
    # taking one off on import gives back exactly what was stored.
    return text.lstrip("'").startswith(_FORMULA_TRIGGERS)


def _unguard(text: str) -> str:
    """The cell as stored before the export guarded it (see _cell)."""
    if text.startswith("'") and _needs_guard(text[1:]):
        return text[1:]
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    if hasattr(value, "value"):  # enums
        value = value.value
    text = str(value)
    if _needs_guard(text):
        # The apostrophe makes Excel and LibreOffice show the cell as text; the import
        # takes it off again.
        return "'" + text
    return text


def _roster_row(registration: Registration) -> dict[str, Any]:
    # As the edition shows them (once archived, as they were); e-mail is the directory's.
    person = registration.person_as_shown
    organization = person.organization
    return {
        "registration_id": registration.id,
        "full_name": person.full_name,
        "position": person.position,
        "organization": organization.name if organization else None,
        "organization_acronym": organization.acronym if organization else None,
        "country_code": organization.country_code if organization else None,
        "role": registration.role,
        "status": registration.status,
        "attendance": registration.attendance,
        "delegation_id": registration.delegation_id,
        "badge_code": registration.badge_code,
        "checked_in_at": registration.checked_in_at,
        "confirmed_at": registration.confirmed_at,
        "created_at": registration.created_at,
        "email": person.email,
        "needs_visa_letter": registration.needs_visa_letter,
        "dietary": registration.dietary,
        "accessibility": registration.accessibility,
    }


def export_roster_csv(actor: Actor, slug: str, filters: dict[str, Any]) -> str:
    """The roster (same filters as list_registrations) as CSV text. The text starts with a
    byte order mark, so written out as UTF-8 it opens in Excel with every script intact.
    Contact details and needs only for roles that may read them; never passport data."""
    query = service.list_registrations(actor, slug, filters)
    columns = roster_columns(actor)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for registration in db.session.scalars(query):
        row = _roster_row(registration)
        writer.writerow([_cell(row[column]) for column in columns])
    return buffer.getvalue()


# Import -------------------------------------------------------------------------------

REQUIRED_COLUMNS = ("full_name", "email", "role")
# country_code tells apart organizations of the same name (as the export writes it).
OPTIONAL_COLUMNS = ("position", "organization_id", "organization", "country_code",
                    "attendance", "needs_visa_letter", "dietary", "accessibility")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def import_template_csv() -> str:
    """An empty import file: the header row of every column an import reads, required ones
    first, as the export writes text (UTF-8 with a byte order mark for Excel)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer, lineterminator="\r\n").writerow(KNOWN_COLUMNS)
    return buffer.getvalue()


_TRUE = frozenset({"yes", "true", "1"})
_FALSE = frozenset({"no", "false", "0"})
_EMPTY_CELL = message(N_("This cell is empty; a value is required."), code="validation.required")


class _YesNo(fields.Field):
    default_error_messages = {"invalid": message(N_("Write yes, no, true, false, 1 or 0."),
                                                 code="validation.boolean")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self.make_error("invalid")


class ImportRowSchema(InputSchema):
    """One data row of an import file (empty cells and the cells of ignored columns are
    left out before loading). Every text cell is one line, as in the API, except the
    needs."""

    full_name = fields.String(required=True, error_messages={"required": _EMPTY_CELL},
                              validate=[validate.Length(max=300), not_blank])
    email = fields.Email(required=True, error_messages={"required": _EMPTY_CELL},
                         validate=validate.Length(max=254))
    role = fields.Enum(RegistrationRole, by_value=True, required=True,
                       error_messages={"required": _EMPTY_CELL})
    position = fields.String(validate=validate.Length(max=2000))
    organization_id = RowId()
    organization = fields.String(validate=validate.Length(max=300))
    country_code = fields.String(validate=validate.Length(max=2))
    attendance = fields.Enum(Attendance, by_value=True, load_default=Attendance.IN_PERSON)
    needs_visa_letter = _YesNo(load_default=False)
    dietary = MultiLineText(validate=validate.Length(max=1000))
    accessibility = MultiLineText(validate=validate.Length(max=1000))

    @pre_load
    def _normalise_choices(self, data: dict[str, str], **kwargs) -> dict[str, str]:
        # "Head of delegation", "In-person": what people type in a spreadsheet.
        for key in ("role", "attendance"):
            if key in data:
                data[key] = data[key].strip().lower().replace(" ", "_").replace("-", "_")
        return data


def _error(at_line: int, field: str, text: str, code: str | None = None,
           **params: Any) -> dict[str, Any]:
    """A problem of the file: `text` is a msgid with `params`, or a validation message
    (already in the reader's language, with its own code)."""
    entry: dict[str, Any] = {"field": field, "location": LOCATION, "line": at_line,
                             "message": text}
    code = code or getattr(text, "code", None)
    if code:
        entry["code"] = code
    params = params or getattr(text, "params", None) or {}
    if params:
        entry["params"] = params
    return entry


def _refuse(errors: list[dict[str, Any]], detail: str | None = None,
            code: str = "import.invalid_file", **params: Any) -> Unprocessable:
    count = len(errors)
    return Unprocessable(
        detail or N_("Problems found in the file: %(count)s. Nothing was imported; correct "
                     "them and send the whole file again."),
        code=code, errors=errors, extra={"error_count": count}, **{"count": count, **params})


def _normalise_header(cell: str) -> str:
    return cell.strip().lstrip(BOM).strip().lower().replace(" ", "_").replace("-", "_")


def _pick_delimiter(first_line: str) -> str:
    """Comma, or what Excel writes in locales with a decimal comma (semicolon), or tab:
    whichever splits the header into the most known column names."""
    best, best_known = ",", -1
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        known = sum(_normalise_header(cell) in KNOWN_COLUMNS for cell in cells)
        if known > best_known:
            best, best_known = delimiter, known
    return best


# Reading the bytes --------------------------------------------------------------------

SAVE_AS_UTF8 = N_("In Excel choose File › Save As › “CSV UTF-8 (Comma delimited)” (or "
                  "“Unicode Text”), in LibreOffice “Text CSV” with the character set "
                  "“Unicode (UTF-8)”, and send that file.")
# What Western European names, positions and needs hold beside letters, in the part of
# Windows-1252 outside ASCII: typographic quotes, dashes and the ellipsis, the no-break
# space, a few signs. Its rarer signs (section, pilcrow, per mille, dagger, currency ...)
# are not among them: they are what the bytes of Chinese, Japanese or Korean text read as.
_QUOTES_AND_SPACES = frozenset("’‘‚“”„–—…«»‹›\u00a0")
_LATIN_PUNCTUATION = _QUOTES_AND_SPACES | frozenset("°·•€£©®™¿¡ªº")
_DASHES = frozenset("–—")
# Letters of Windows-1252 outside Latin-1, rare in Western names and never two in a row
# with another accented letter there; frequent in Shift_JIS text read as Windows-1252.
_RARE_LETTERS = frozenset("ŠšŒœŽžŸ")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class DecodedFile:
    text: str
    encoding: str  # as people know it: "UTF-8", "UTF-16", "Windows-1252"


def _line_at(data: bytes | str, index: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, index) + 1  # type: ignore[arg-type]


def _refuse_encoding(line: int, message: str, code: str, detail: str,
                     **params: Any) -> Unprocessable:
    # The fix reads in the reader's language; programs get its name.
    fix = Term("save_as_csv_utf8", lambda: translate(SAVE_AS_UTF8))
    return Unprocessable(detail, code=code, errors=[_error(
        line, "_file", message, code, line=line, **params)], line=line, fix=fix)


_OPENING_QUOTES = frozenset("“„‚«‹")
_CLOSING_QUOTES = frozenset("”»›")


def _is_sign(char: str) -> bool:
    # The ordinal indicators, the micro and florin signs are letters to Python, not to names.
    return not char.isalpha() or char in "ªºµƒ"


def _not_latin_text(text: str) -> int | None:
    """Where a Windows-1252 reading of the file stops looking like Western European text
    (the index), or None. A legacy file of another script read as Windows-1252 turns each
    of its characters into two: letters that stand in words without any ASCII letter
    ("Íõ" for 王), signs no name holds ("³Â¾²" for 陈静), two signs side by side ("°¡" for
    啊; Western text puts only quotes, dashes and spaces together, "”…"), a sign against
    an accented letter ("•Ó" in 渡辺), a dash before a letter ("—Ñ" for 林; Western text
    spaces its dashes or puts them between figures), or quotation marks inside words
    ("ŽR“c" for 山田)."""
    for index, char in enumerate(text):
        if char.isascii() or not _is_sign(char):
            continue
        if char not in _LATIN_PUNCTUATION:
            return index
        before, after = text[index - 1:index] if index else "", text[index + 1:index + 2]
        for other in (before, after):
            if not other or other.isascii():
                continue
            if _is_sign(other) and not (char in _QUOTES_AND_SPACES
                                        and other in _QUOTES_AND_SPACES):
                return index
            if not _is_sign(other) and char not in _QUOTES_AND_SPACES | {"¿", "¡"}:
                return index
        if char in _DASHES and after and not (after.isspace() or after.isdigit()
                                              or after in ",;.:)\"'" or
                                              after in _QUOTES_AND_SPACES):
            return index
        if char in _OPENING_QUOTES and before.isalnum():
            return index
        if char in _CLOSING_QUOTES and after.isalnum():
            return index
        if char in "®™" and not before.isalnum():  # Brand®
            return index
        if char == "©" and after and not (after.isspace() or after.isdigit()):  # © 2026
            return index
        if char in "ªº" and not (before.isalnum() and not after.isalnum()):  # Mª, 1º
            return index
    for index, char in enumerate(text):
        if char in _RARE_LETTERS and any(not other.isascii() for other in (
                text[index - 1:index] if index else "", text[index + 1:index + 2])):
            return index
    for word in _WORD.finditer(text):
        letters = word.group()
        if len(letters) > 1 and not any(c.isascii() for c in letters):
            return word.start()
    return None


def decode_file(data: bytes) -> DecodedFile:
    """The text of an uploaded file, read in the encoding it was saved in (see the module
    description), or Unprocessable naming the first line that cannot be read and the
    format to save the file as."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return DecodedFile(data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8")
        except UnicodeDecodeError as exc:
            line = _line_at(data, exc.start + len(codecs.BOM_UTF8))
            raise _refuse_encoding(
                line, N_("Line %(line)s is not UTF-8 text (byte %(byte)s cannot be read), "
                         "although the file starts as UTF-8."), "import.not_utf8",
                N_("The file is not UTF-8 text throughout. %(fix)s"),
                byte=exc.start + len(codecs.BOM_UTF8) + 1) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text": UTF-16 with a byte order mark, tab separated.
        try:
            return DecodedFile(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError as exc:
            text = data[:exc.start].decode("utf-16", "replace")
            raise _refuse_encoding(
                _line_at(text, len(text)),
                N_("Line %(line)s is not UTF-16 text (byte %(byte)s cannot be read), "
                   "although the file starts as UTF-16."), "import.unknown_encoding",
                N_("The file is not UTF-16 text throughout. %(fix)s"),
                byte=exc.start + 1) from exc
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _refuse_encoding(
            1, N_("This is a spreadsheet workbook (.xlsx or .xls), not a CSV file."),
            "import.workbook", N_("Send the registrations as a CSV file, not as a "
                                  "workbook. %(fix)s"))
    try:
        return DecodedFile(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        bad = exc.start
    else:
        bad = _not_latin_text(text)
        if bad is None:
            return DecodedFile(text, "Windows-1252")
        bad = len(text[:bad].encode("cp1252"))  # one byte per character
    # The line that shows the file is in neither encoding (not merely the first non-UTF-8
    # one, which may be a good Western European line).
    raise _refuse_encoding(
        _line_at(data, bad),
        N_("Line %(line)s is neither UTF-8 nor Western European (Windows-1252) text: "
           "the file was saved in another encoding."), "import.unknown_encoding",
        N_("The file's encoding cannot be read with certainty, so nothing was imported "
           "(names would come out garbled). %(fix)s"), byte=bad + 1)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every non-blank record; a quoted cell may span lines.
    Only CR and LF end a line (not the other separators str.splitlines knows)."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _refuse([_error(line, "_file", N_("The file contains NUL characters: it is not "
                                                "a text file, or UTF-16 without a byte order "
                                                "mark. Save it as “CSV UTF-8”."),
                              "import.nul_characters")])
    header_line = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_pick_delimiter(header_line),
                        strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _refuse([_error(start, "_line", N_("Not readable as CSV: %(reason)s."),
                                  "import.unreadable_csv", reason=str(exc))]) from exc
        if any(cell.strip() for cell in cells):
            yield start, cells
        start = reader.line_num + 1


@dataclass
class _Header:
    names: list[str]
    errors: list[dict[str, Any]]
    rows_checkable: bool
    ignored: list[str] = field(default_factory=list)


def _read_header(line: int, cells: list[str]) -> _Header:
    """Column names, header problems, whether rows can be checked at all, and the columns
    ignored (as written): those that do not ask for a registration, such as the status,
    ids and times the roster export writes. Columns without a name are passed over
    silently (spreadsheets often add empty ones at the right)."""
    header = [_normalise_header(cell) for cell in cells]
    errors = []
    ignored = []
    seen: set[str] = set()
    for name, cell in zip(header, cells, strict=True):
        if not name:
            continue
        if name not in KNOWN_COLUMNS:
            ignored.append(cell.strip().lstrip(BOM))
        elif name in seen:
            errors.append(_error(line, name, N_("This column appears twice."),
                                 "import.duplicate_column"))
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    errors.extend(_error(line, name, N_("Required column missing from the header row."),
                         "import.missing_column") for name in missing)
    return _Header(header, errors, not missing, ignored)


def _parse(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]],
                               list[str]]:
    """(line, values) of every data row, every problem found in the file, and the columns
    ignored. A row with problems still contributes its valid cells, so checks across rows
    (duplicates, organizations, people already registered) can report on it too."""
    records = _records(text.removeprefix(BOM))
    first = next(records, None)
    if first is None:
        raise _refuse([_error(1, "_file", N_("The file is empty; the first line must name "
                                             "the columns: %(columns)s ..."), "import.empty",
                              columns=", ".join(REQUIRED_COLUMNS))])
    header_line, header_cells = first
    read = _read_header(header_line, header_cells)
    header, errors, rows_checkable = read.names, read.errors, read.rows_checkable
    schema = ImportRowSchema()
    rows: list[tuple[int, dict[str, Any]]] = []
    row_count = 0
    for line, cells in records:
        row_count += 1
        if row_count > MAX_IMPORT_ROWS:
            raise _refuse([_error(line, "_file", N_("At most %(limit)s rows may be imported "
                                                    "at once; split the file."),
                                  "import.too_many_rows", limit=MAX_IMPORT_ROWS)],
                          N_("The file has more than %(limit)s rows; nothing was imported."),
                          code="import.too_many_rows", limit=MAX_IMPORT_ROWS)
        if not rows_checkable:
            continue
        raw: dict[str, str] = {}
        for position, cell in enumerate(cells):
            value = cell.strip()
            if not value:
                continue
            name = header[position] if position < len(header) else ""
            if not name:
                errors.append(_error(line, f"column {position + 1}",
                                     N_("This cell is in a column the header row does not "
                                        "name."), "import.unnamed_column"))
            elif name in KNOWN_COLUMNS:
                raw[name] = _unguard(value)
        try:
            rows.append((line, schema.load(raw)))
        except ma.ValidationError as exc:
            for field, messages in _field_messages(exc.messages):
                errors.extend(_error(line, field, message) for message in messages)
            rows.append((line, dict(exc.valid_data or {})))
    if rows_checkable and row_count == 0:
        errors.append(_error(header_line, "_file",
                             N_("The file has a header row but no registrations."),
                             "import.no_rows"))
    return rows, errors, read.ignored


def _field_messages(messages: Any) -> Iterable[tuple[str, list[str]]]:
    if isinstance(messages, dict):
        for field, value in messages.items():
            yield str(field), list(value if isinstance(value, list) else [value])
    else:
        yield "_line", list(messages)


def _resolve_organizations(rows: list[tuple[int, dict[str, Any]]],
                           errors: list[dict[str, Any]]) -> set[int]:
    """Check organization_id and turn organization names into ids (case-insensitive, whole
    name; a name shared by organizations of several countries needs organization_id).
    Returns the lines whose organization could not be resolved."""
    ids = {values["organization_id"] for _, values in rows if "organization_id" in values}
    names = {values["organization"].lower() for _, values in rows if "organization" in values}
    by_id: dict[int, Organization] = {}
    by_name: dict[str, list[Organization]] = {}
    if ids:
        by_id = {org.id: org for org in db.session.scalars(
            select(Organization).where(Organization.id.in_(ids)))}
    if names:
        for org in db.session.scalars(select(Organization).where(
                func.lower(Organization.name).in_(names)).order_by(Organization.id)):
            by_name.setdefault(org.name.lower(), []).append(org)
    unresolved: set[int] = set()
    for line, values in rows:
        problem = None
        chosen: Organization | None = None
        if "organization_id" in values:
            chosen = by_id.get(values["organization_id"])
            if chosen is None:
                problem = ("organization_id", N_("No organization with id %(id)s."),
                           "organization.not_found", {"id": values["organization_id"]})
        country = values.pop("country_code", "").strip().upper()
        if "organization" in values and problem is None:
            name = values.pop("organization")
            matches = by_name.get(name.lower(), [])
            if country and len(matches) > 1:
                # The export names the country beside the organization: it tells apart
                # organizations of the same name (only then, so a row stays valid when
                # the directory has corrected an organization's country since).
                matches = [org for org in matches if org.country_code == country] or matches
            if not matches:
                problem = ("organization", N_("No organization named “%(name)s” in the "
                                              "directory; add it first or give "
                                              "organization_id."),
                           "import.organization_unknown", {"name": name})
            elif chosen is not None and chosen not in matches:
                problem = ("organization", N_("Organization %(id)s is “%(actual)s”, not "
                                              "“%(name)s”."),
                           "import.organization_mismatch",
                           {"id": chosen.id, "actual": chosen.name, "name": name})
            elif chosen is None and len(matches) > 1:
                listed = ", ".join(f"{org.id} ({org.country_code or org.country_name or '-'})"
                                   for org in matches)
                problem = ("organization", N_("Several organizations are named “%(name)s” "
                                              "(ids %(ids)s); give organization_id."),
                           "import.organization_ambiguous", {"name": name, "ids": listed})
            elif chosen is None:
                chosen = matches[0]
        if problem is not None:
            field, text, code, params = problem
            errors.append(_error(line, field, text, code, **params))
            unresolved.add(line)
        elif chosen is not None:
            values["organization_id"] = chosen.id
    return unresolved


def _check_people(edition_id: int, rows: list[tuple[int, dict[str, Any]]],
                  errors: list[dict[str, Any]], unresolved: set[int]) -> None:
    """One row per e-mail, and nobody already registered for the edition. The person a
    row stands for is found as service.register finds them: the oldest directory entry
    with that e-mail in that organization (or without one, for a row without one)."""
    first_line: dict[str, int] = {}
    wanted: dict[tuple[str, int | None], int] = {}
    for line, values in rows:
        if "email" not in values:
            continue
        email = values["email"].strip().lower()
        if email in first_line:
            errors.append(_error(line, "email", N_("The same e-mail is on line %(first_line)s; "
                                                   "a person can be registered once."),
                                 "import.duplicate_email", first_line=first_line[email]))
            continue
        first_line[email] = line
        if line not in unresolved:
            wanted[(email, values.get("organization_id"))] = line
    if not wanted:
        return
    person_for: dict[tuple[str, int | None], int] = {}
    for person_id, email, organization_id in db.session.execute(
            select(Person.id, func.lower(Person.email), Person.organization_id)
            .where(func.lower(Person.email).in_(list(first_line))).order_by(Person.id)):
        person_for.setdefault((email, organization_id), person_id)
    people = {key: person_for[key] for key in wanted if key in person_for}
    if not people:
        return
    registered = {person_id: status for person_id, status in db.session.execute(
        select(Registration.person_id, Registration.status).where(
            Registration.edition_id == edition_id,
            Registration.person_id.in_(list(people.values()))))}
    for key, person_id in people.items():
        if person_id in registered:
            errors.append(_error(wanted[key], "email",
                                 N_("This person is already registered for the edition "
                                    "(status %(status)s)."), "registration.duplicate",
                                 status=service.status_term(registered[person_id])))


IGNORED_COLUMNS_NOTICE = N_("These columns were not read (an import reads only %(known)s): "
                            "%(columns)s.")
LEGACY_ENCODING_NOTICE = N_("The file was read as Western European text (Windows-1252, "
                            "Excel's older “CSV (Comma delimited)”). Check the accented "
                            "names; next time save as “CSV UTF-8”.")


@dataclass(frozen=True)
class ImportResult:
    registrations: list[Registration]
    # The header's columns that were not read (as the file writes them), to tell the user.
    ignored_columns: list[str]
    encoding: str

    @property
    def read_legacy_encoding(self) -> bool:
        return self.encoding == "Windows-1252"

    def ignored_columns_params(self) -> dict[str, str]:
        return {"known": ", ".join(KNOWN_COLUMNS), "columns": ", ".join(self.ignored_columns)}

    @property
    def notices(self) -> list[str]:
        """What the importer should know although nothing was wrong, in their language."""
        notices = []
        if self.ignored_columns:
            notices.append(translate(IGNORED_COLUMNS_NOTICE, self.ignored_columns_params()))
        if self.read_legacy_encoding:
            notices.append(translate(LEGACY_ENCODING_NOTICE))
        return notices


def import_registrations_csv(actor: Actor, slug: str, data: bytes) -> ImportResult:
    """Register everyone in the file (its bytes, as uploaded), in file order, or nobody:
    any problem raises Unprocessable listing every problem with its line and column."""
    authorize(actor, Permission.MANAGE_ATTENDANCE)
    edition = get_edition(actor, slug)
    ensure_writable(edition)
    if edition.status != EditionStatus.OPEN:
        raise Conflict(N_("Registration for “%(slug)s” is not open."),
                       code="registration.not_open", slug=edition.slug,
                       edition_status=edition.status.value)
    decoded = decode_file(data)
    rows, errors, ignored = _parse(decoded.text)
    # Hold the edition from here, so no registration arriving meanwhile can invalidate
    # the checks below (service.register_many takes the same lock again, harmlessly).
    service.lock_edition_for_capacity(edition)
    unresolved = _resolve_organizations(rows, errors)
    _check_people(edition.id, rows, errors, unresolved)
    if errors:
        errors.sort(key=lambda error: error["line"])
        raise _refuse(errors)
    registrations = service.register_many(actor, slug, [values for _, values in rows])
    return ImportResult(registrations, ignored, decoded.encoding)
