"""marshmallow's validation messages in the language of the request, each with a code.

marshmallow fills its message templates with `str.format` when a value fails (a field's
`make_error`, a validator's `_format_error`). Its defaults are replaced here by templates
whose `format` translates an N_()-marked msgid (placeholders `%(name)s`) into the language
in use and returns a `FieldMessage`: the text as marshmallow expects it, which still knows
its stable code and parameters, so a problem document's field entries carry them.
Validation runs inside the request, so the language is the request's.

`install()` runs when eventhub.schemas is imported, before any schema defines a field: a
field copies its messages when it is created. A field or validator given its own message
can use `message(N_("..."), code=...)` for the same behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
import marshmallow.validate as mv

from eventhub.i18n import N_, translate

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class _Immutable(str):
    """Shared as is when marshmallow copies a schema's fields (deepcopy)."""

    def __copy__(self) -> _Immutable:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Immutable:
        return self


class FieldMessage(_Immutable):
    """A validation message in the reader's language, with its code and parameters."""

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, code: str, params: dict[str, Any]) -> FieldMessage:
        created = super().__new__(cls, text)
        created.code = code
        created.params = params
        return created


def _param(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class Template(_Immutable):
    """A message template marshmallow formats; formatting translates the msgid now."""

    def __new__(cls, msgid: str, *, code: str) -> Template:
        created = super().__new__(cls, msgid)
        created.msgid = msgid
        created.code = code
        return created

    def format(self, *args: Any, **values: Any) -> str:  # type: ignore[override]
        wanted = set(_PLACEHOLDER.findall(self.msgid))
        params = {name: _param(value) for name, value in values.items() if name in wanted}
        return FieldMessage(translate(self.msgid, params), self.code, params)


class Choice(_Immutable):
    """Templates whose wording depends on a value marshmallow supplies: a date field's
    object type picks the template that is then formatted; a range bound's inclusivity
    (Range.__init__ formats with the operators only) picks the template that the
    validator keeps and formats when a value fails."""

    def __new__(cls, variants: Mapping[str, Template], key: Callable[[dict[str, Any]], str | None],
                default: str, *, chosen_when_built: bool = False) -> Choice:
        created = super().__new__(cls, variants[default].msgid)
        created.variants = dict(variants)
        created.key = key
        created.default = default
        created.chosen_when_built = chosen_when_built
        return created

    def format(self, *args: Any, **values: Any) -> str:  # type: ignore[override]
        template = self.variants.get(self.key(values) or "", self.variants[self.default])
        if self.chosen_when_built:
            return template
        return template.format(**values)


def message(msgid: str, *, code: str) -> Template:
    """A custom message for a field's `error_messages` or a validator's `error=`."""
    return Template(msgid, code=code)


def _operators(values: dict[str, Any]) -> str | None:
    found = [values[name] for name in ("min_op", "max_op") if name in values]
    return ",".join(found) if found else None


def _range_templates() -> dict[str, Choice]:
    gte, gt, lte, lt = "gte", "gt", "lte", "lt"
    code = "validation.range"
    at_least = {
        gte: Template(N_("Must be greater than or equal to %(min)s."), code=code),
        gt: Template(N_("Must be greater than %(min)s."), code=code)}
    at_most = {
        lte: Template(N_("Must be less than or equal to %(max)s."), code=code),
        lt: Template(N_("Must be less than %(max)s."), code=code)}
    between = {
        f"{gte},{lte}": Template(N_("Must be greater than or equal to %(min)s and less than "
                                    "or equal to %(max)s."), code=code),
        f"{gt},{lte}": Template(N_("Must be greater than %(min)s and less than or equal to "
                                   "%(max)s."), code=code),
        f"{gte},{lt}": Template(N_("Must be greater than or equal to %(min)s and less than "
                                   "%(max)s."), code=code),
        f"{gt},{lt}": Template(N_("Must be greater than %(min)s and less than %(max)s."),
                               code=code)}
    return {"message_min": Choice(at_least, _operators, gte, chosen_when_built=True),
            "message_max": Choice(at_most, _operators, lte, chosen_when_built=True),
            "message_all": Choice(between, _operators, f"{gte},{lte}", chosen_when_built=True)}


def _object_type(values: dict[str, Any]) -> str | None:
    if "obj_type" not in values:
        return None
    return f"{values.get('awareness', '')} {values['obj_type']}".strip()


def _temporal_templates() -> dict[str, Choice]:
    code = "validation.date"
    invalid = {
        "date": Template(N_("Not a valid date."), code=code),
        "datetime": Template(N_("Not a valid date and time."), code=code),
        "time": Template(N_("Not a valid time."), code=code)}
    awareness = {
        "aware datetime": Template(N_("Not a valid date and time with a time zone offset."),
                                   code=code),
        "naive datetime": Template(N_("Not a valid date and time without a time zone "
                                      "offset."), code=code),
        "aware time": Template(N_("Not a valid time with a time zone offset."), code=code),
        "naive time": Template(N_("Not a valid time without a time zone offset."), code=code)}
    formats = {
        "date": Template(N_("The value cannot be formatted as a date."), code=code),
        "datetime": Template(N_("The value cannot be formatted as a date and time."),
                             code=code),
        "time": Template(N_("The value cannot be formatted as a time."), code=code)}
    return {"invalid": Choice(invalid, _object_type, "datetime"),
            "invalid_awareness": Choice(awareness, _object_type, "aware datetime"),
            "format": Choice(formats, _object_type, "datetime")}


_installed = False


def install() -> None:
    """Replace marshmallow's default messages (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    fields = ma.fields
    number = Template(N_("Not a valid number."), code="validation.number")
    integer = Template(N_("Not a valid integer."), code="validation.number")
    special = Template(N_("Special numeric values (nan or infinity) are not permitted."),
                       code="validation.number")
    string = Template(N_("Not a valid string."), code="validation.string")
    url = Template(N_("Not a valid URL."), code="validation.url")
    email = Template(N_("Not a valid email address."), code="validation.email")
    field_messages: dict[type, dict[str, str]] = {
        fields.Field: {
            "required": Template(N_("Missing data for required field."),
                                 code="validation.required"),
            "null": Template(N_("Field may not be null."), code="validation.null"),
            "validator_failed": Template(N_("Invalid value."), code="validation.invalid")},
        fields.Boolean: {"invalid": Template(N_("Not a valid boolean."),
                                             code="validation.boolean")},
        fields.Number: {"invalid": number,
                        "too_large": Template(N_("Number too large."),
                                              code="validation.number")},
        fields.Integer: {"invalid": integer},
        fields.Float: {"special": special},
        fields.Decimal: {"special": special},
        fields.String: {"invalid": string,
                        "invalid_utf8": Template(N_("Not a valid utf-8 string."),
                                                 code="validation.string")},
        fields.Email: {"invalid": email},
        fields.Url: {"invalid": url},
        fields.UUID: {"invalid_uuid": Template(N_("Not a valid UUID."),
                                               code="validation.uuid")},
        fields.List: {"invalid": Template(N_("Not a valid list."), code="validation.type")},
        fields.Tuple: {"invalid": Template(N_("Not a valid tuple."), code="validation.type")},
        fields.Mapping: {"invalid": Template(N_("Not a valid mapping type."),
                                             code="validation.type")},
        fields.Nested: {"type": Template(N_("Invalid type."), code="validation.type")},
        fields.Enum: {"unknown": Template(N_("Must be one of: %(choices)s."),
                                          code="validation.choice")},
        fields.TimeDelta: {"invalid": Template(N_("Not a valid period of time."),
                                               code="validation.type"),
                           "format": Template(N_("The value cannot be formatted as a period "
                                                 "of time."), code="validation.type")},
    }
    temporal = _temporal_templates()
    # Date words its own messages in marshmallow; the other temporal fields inherit.
    for temporal_class in (getattr(fields, "_TemporalField", None), fields.Date):
        if temporal_class is not None:
            field_messages[temporal_class] = temporal
    ip_address = Template(N_("Not a valid IP address."), code="validation.ip")
    ip_interface = Template(N_("Not a valid IP interface."), code="validation.ip")
    for ip_class in (fields.IP, fields.IPv4, fields.IPv6):
        field_messages[ip_class] = {"invalid_ip": ip_address}
    for interface_class in (fields.IPInterface, fields.IPv4Interface, fields.IPv6Interface):
        field_messages[interface_class] = {"invalid_ip_interface": ip_interface}
    for field_class, messages in field_messages.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    ma.Schema._default_error_messages = {
        "type": Template(N_("Invalid input type."), code="validation.type"),
        "unknown": Template(N_("Unknown field."), code="validation.unknown_field")}

    for name, template in _range_templates().items():
        setattr(mv.Range, name, template)
    mv.Range.message_gte, mv.Range.message_gt = "gte", "gt"
    mv.Range.message_lte, mv.Range.message_lt = "lte", "lt"
    length = "validation.length"
    mv.Length.message_min = Template(N_("Shorter than minimum length %(min)s."), code=length)
    mv.Length.message_max = Template(N_("Longer than maximum length %(max)s."), code=length)
    mv.Length.message_all = Template(N_("Length must be between %(min)s and %(max)s."),
                                     code=length)
    mv.Length.message_equal = Template(N_("Length must be %(equal)s."), code=length)
    mv.OneOf.default_message = Template(N_("Must be one of: %(choices)s."),
                                        code="validation.choice")
    mv.Email.default_message = email
    mv.URL.default_message = url
    mv.Regexp.default_message = Template(N_("String does not match expected pattern."),
                                         code="validation.pattern")
    mv.Equal.default_message = Template(N_("Must be equal to %(other)s."),
                                        code="validation.equal")
    mv.ContainsOnly.default_message = Template(
        N_("One or more of the choices you made was not in: %(choices)s."),
        code="validation.choice")
    mv.ContainsNoneOf.default_message = Template(
        N_("One or more of the choices you made was in: %(values)s."), code="validation.choice")
    mv.NoneOf.default_message = Template(N_("Invalid input."), code="validation.invalid")
    mv.Predicate.default_message = Template(N_("Invalid input."), code="validation.invalid")


def field_message(msgid: str, *, code: str, **params: Any) -> FieldMessage:
    """A message for a ValidationError raised by our own validators, translated now."""
    return Template(msgid, code=code).format(**params)
