"""Schema bases shared by every domain."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import marshmallow as ma
import marshmallow.validate
from marshmallow import RAISE, ValidationError

from eventhub.i18n import N_
from eventhub.validation_messages import field_message, install, message

# Before any schema creates a field: fields copy marshmallow's messages when created.
install()

COUNTRY_CODE = ma.validate.Regexp(
    r"^[A-Za-z]{2}$", error=message(N_("Use an ISO 3166-1 alpha-2 code."),
                                    code="validation.country_code"))
LANGUAGE = ma.validate.Regexp(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    error=message(N_("Use a language tag such as en, zh or zh-CN."),
                  code="validation.language_tag"))


# PostgreSQL's integer: every id and counter column. A larger number names no row and must
# not reach the database (SQLite cannot even bind one above 2**63).
INTEGER_MAX = 2**31 - 1


class RowId(ma.fields.Integer):
    """The id of a row: a positive integer within the columns' range."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validate=ma.validate.Range(min=1, max=INTEGER_MAX), **kwargs)


# Dates and times anyone sends: a forum, a deadline, a birth or a passport's expiry all
# fall well inside these years, and at the ends of Python's calendar (years 1 and 9999)
# converting between time zones or adding a day overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class _DatesInSupportedYears(ma.Schema):
    @ma.validates_schema
    def _dates_in_supported_years(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors = {self.fields[name].data_key or name:
                  [field_message(N_("Give a date between the years %(first)s and %(last)s."),
                                 code="validation.year_range", first=FIRST_YEAR,
                                 last=LAST_YEAR)]
                  for name, value in data.items()
                  if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR}
        if errors:
            raise ValidationError(errors)


# One-line text (names, titles, acronyms, cities, e-mails, codes...) holds no control
# character: none of C0 (line breaks, tabs, escapes), DEL or C1 (NEL among them), and no
# Unicode line or paragraph separator. A line break in a title broke every mail that quotes
# it in its subject; the others garble lists, badges, CSV cells and headers alike.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ONE_LINE_MESSAGE = N_("Must be a single line: no line breaks, tabs or other control "
                      "characters.")


def one_line(value: object) -> None:
    if isinstance(value, str) and _NOT_ONE_LINE.search(value):
        raise ValidationError(field_message(ONE_LINE_MESSAGE, code="validation.one_line"))


class MultiLineText(ma.fields.String):
    """Text in which line breaks mean something (statement paragraphs, descriptions,
    comments, notes, quoted sources): exempt from the one-line rule of input schemas."""


class Secret(ma.fields.String):
    """A password: compared with a hash, never shown, mailed or listed, so taken exactly as
    typed (refusing characters would lock out whoever already uses them)."""


def _require_one_line(field: ma.fields.Field) -> None:
    if isinstance(field, ma.fields.List):
        _require_one_line(field.inner)
    elif isinstance(field, ma.fields.Tuple):
        for inner in field.tuple_fields:
            _require_one_line(inner)
    elif isinstance(field, ma.fields.Mapping):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                _require_one_line(inner)
    elif isinstance(field, ma.fields.String) and not isinstance(field, MultiLineText | Secret):
        field.validators = [*field.validators, one_line]


class _OneLineText(ma.Schema):
    """Every text field of an input is one line unless declared MultiLineText (or Secret):
    a field-level error (422, or the form's field message) otherwise. Nested input schemas
    bind their own fields, so they follow the rule too."""

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        _require_one_line(field_obj)


class InputSchema(_OneLineText, _DatesInSupportedYears):
    """Request bodies: unknown fields are an error, so a typo never passes silently; text
    is one line unless a field is declared MultiLineText."""

    class Meta:
        unknown = RAISE


class QuerySchema(_OneLineText, _DatesInSupportedYears):
    """Query-string filters. Unknown parameters are ignored (the pagination parameters
    `page` and `page_size` are parsed by flask-smorest from the same query string)."""

    class Meta:
        unknown = ma.EXCLUDE


class OutputSchema(ma.Schema):
    class Meta:
        ordered = True


def not_blank(value: str) -> None:
    if not value or not value.strip():
        raise ValidationError(field_message(N_("Must not be blank."), code="validation.blank"))


# Text no database here can store: NUL (PostgreSQL refuses it) and unpaired surrogates
# (JSON can escape them, "\ud800", but they are no characters and cannot be encoded).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = ("NUL characters (U+0000) or unpaired surrogates (U+D800 to U+DFFF)")


def is_unstorable(text: object) -> bool:
    # Form parts may come without a name (None): nothing to store there.
    return isinstance(text, str) and _UNSTORABLE.search(text) is not None


def unstorable_text_paths(value: Any, where: str = "") -> list[str]:
    """The places (dotted paths) in a parsed JSON value whose text (keys included) holds
    a character that cannot be stored. Iterative: the JSON may be nested deeply."""
    found = []
    pending = [(where, value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if is_unstorable(item):
                found.append(path)
            continue
        entries = (item.items() if isinstance(item, dict)
                   else enumerate(item) if isinstance(item, list) else ())
        for key, child in entries:
            child_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and is_unstorable(key):
                found.append(child_path)
            else:
                pending.append((child_path, child))
    return sorted(found)


class Serialized(ma.fields.Nested):
    """A nested value that is already serialized (e.g. a frozen snapshot): passed through
    as is, while the API documentation still shows the nested schema."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        return nested_obj


def _code_field(description: str, *, required: bool = False) -> ma.fields.String:
    from eventhub.error_codes import CODES

    listed = "\n".join(f"- `{code}`: {meaning}" for code, meaning in sorted(CODES.items()))
    return ma.fields.String(required=required, metadata={"enum": sorted(CODES),
                                      "description": f"{description}\n\n{listed}"})


class FieldErrorSchema(OutputSchema):
    field = ma.fields.String(required=True, metadata={
        "description": "The field, as a dotted path (members.2.email); _schema or _file for "
                       "the whole request or file"})
    location = ma.fields.String(required=True, metadata={
        "description": "Where the field was sent: json, query, form, files, headers, csv..."})
    message = ma.fields.String(required=True, metadata={
        "description": "What is wrong, in the response's language (Content-Language)"})
    code = _code_field("What is wrong, as a stable code; absent where none applies.")
    params = ma.fields.Dict(metadata={
        "description": "The values the message names (a limit, the allowed choices...)"})
    line = ma.fields.Integer(metadata={"description": "The line of an import file"})
    ref = ma.fields.String(metadata={
        "description": "The record of an edition bundle the entry is about (organization-3)"})


class ProblemSchema(OutputSchema):
    """A refusal or error, as an RFC 9457 problem document (application/problem+json),
    in the language asked for by `?lang=` or `Accept-Language` (see Content-Language).
    Programs read `code` and `params`; `title` and `detail` are for people and may be
    reworded. A refusal may add members of its own (e.g. `existing_id`, `references`,
    `current_status`, `error_count`)."""

    class Meta:
        ordered = True
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True, metadata={"example": "about:blank"})
    title = ma.fields.String(required=True, metadata={
        "description": "The kind of problem, in the response's language"})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status"})
    code = _code_field("The problem as a stable code (programs and pages translate the "
                       "code, never the English sentence):", required=True)
    detail = ma.fields.String(metadata={
        "description": "This occurrence of the problem, in the response's language"})
    instance = ma.fields.String(metadata={"description": "The path that was requested"})
    params = ma.fields.Dict(metadata={
        "description": "The values the detail names, by the names the code's description "
                       "gives (numbers, dates as ISO 8601, statuses by their value)"})
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema), metadata={
        "description": "One entry per field and problem"})
