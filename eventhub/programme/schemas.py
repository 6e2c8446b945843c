from __future__ import annotations

from marshmallow import fields, post_dump, validate

from eventhub.directory.schemas import OrganizationBriefSchema, PersonPublicSchema
from eventhub.editions.schemas import translations_input, translations_output
from eventhub.editions.words import ITEM_FIELDS
from eventhub.programme.models import Delivery, ItemKind, SpeechRole
from eventhub.schemas import (
    INTEGER_MAX,
    InputSchema,
    MultiLineText,
    OutputSchema,
    QuerySchema,
    RowId,
    Serialized,
    not_blank,
)


def _local(attribute: str):
    def dump(item):
        from eventhub.programme.service import to_local

        value = to_local(getattr(item, attribute), item.edition)
        return value.isoformat() if value else None

    return dump


class SpeechSchema(OutputSchema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    role = fields.Enum(SpeechRole, by_value=True, required=True)
    delivery = fields.Enum(Delivery, by_value=True, allow_none=True,
                           metadata={"description": "null where the record does not say"})
    talk_title = fields.String(allow_none=True)
    person = fields.Nested(PersonPublicSchema, attribute="person_as_shown", required=True)


class ProgrammeItemSchema(OutputSchema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    kind = fields.Enum(ItemKind, by_value=True, required=True)
    title = fields.String(required=True)
    translations = translations_output(list(ITEM_FIELDS))
    description = fields.String(allow_none=True)
    room = fields.String(allow_none=True)
    starts_at = fields.Function(_local("starts_at"), allow_none=True, metadata={
        "type": "string", "format": "date-time",
        "description": "In the edition's time zone; null while unknown"})
    ends_at = fields.Function(_local("ends_at"), allow_none=True, metadata={
        "type": "string", "format": "date-time"})
    capacity = fields.Integer(allow_none=True)
    chairs = fields.String(allow_none=True)
    is_cancelled = fields.Boolean(required=True)
    speeches = fields.List(fields.Nested(SpeechSchema), required=True)

    @post_dump
    def _without_empty_translations(self, data, **kwargs):
        # Published versions from before titles had translations hold no such member; an
        # item without translations reads the same, so the changelog finds nothing changed.
        if not data.get("translations"):
            data.pop("translations", None)
        return data


class ProgrammeSchema(OutputSchema):
    edition = fields.String(required=True)
    time_zone = fields.String(required=True)
    version = fields.Integer(allow_none=True, metadata={
        "description": "Published version shown; null for the draft or when unpublished"})
    items = Serialized(ProgrammeItemSchema, many=True, required=True)


class ProgrammeFilterSchema(QuerySchema):
    kind = fields.Enum(ItemKind, by_value=True)
    day = fields.Date(metadata={"description": "Local date in the edition's time zone"})
    version = fields.String(validate=validate.Regexp(r"^(draft|[1-9][0-9]{0,8})$"), metadata={
        "description": "A version number, or draft (staff); default: latest published"})


class ItemCreateSchema(InputSchema):
    kind = fields.Enum(ItemKind, by_value=True, required=True)
    title = fields.String(required=True, validate=[validate.Length(max=400), not_blank])
    translations = translations_input(list(ITEM_FIELDS))
    description = MultiLineText(allow_none=True, validate=validate.Length(max=10_000))
    room = fields.String(allow_none=True, validate=validate.Length(max=200))
    starts_at = fields.DateTime(allow_none=True, metadata={
        "description": "Without an offset: wall-clock time in the edition's time zone"})
    ends_at = fields.DateTime(allow_none=True)
    capacity = fields.Integer(allow_none=True, strict=True,
                              validate=validate.Range(min=0, max=100_000))
    chairs = fields.String(allow_none=True, validate=validate.Length(max=400))
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))


class ItemUpdateSchema(ItemCreateSchema):
    """Used with partial=True."""


class CancelSchema(InputSchema):
    cancelled = fields.Boolean(load_default=True)


class SpeechCreateSchema(InputSchema):
    person_id = RowId(required=True, strict=True)
    role = fields.Enum(SpeechRole, by_value=True, required=True)
    delivery = fields.Enum(Delivery, by_value=True, allow_none=True)
    talk_title = fields.String(allow_none=True, validate=validate.Length(max=400))
    position = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000),
                              metadata={"description": "1-based; default: last"})


class SpeechUpdateSchema(InputSchema):
    role = fields.Enum(SpeechRole, by_value=True)
    delivery = fields.Enum(Delivery, by_value=True, allow_none=True)
    talk_title = fields.String(allow_none=True, validate=validate.Length(max=400))
    position = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000),
                              metadata={"description": "Move here; the others shift"})


class SignupSchema(InputSchema):
    registration_id = RowId(required=True, strict=True)


class SignupOutputSchema(OutputSchema):
    item_id = RowId(required=True)
    registration_id = RowId(required=True)
    assigned_by_organizer = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class DelegationSignupSchema(OutputSchema):
    item_id = RowId(required=True)
    item_title = fields.String(required=True)
    registration_id = RowId(required=True)
    full_name = fields.String(required=True)
    assigned_by_organizer = fields.Boolean(required=True)


class SessionAttendanceSchema(OutputSchema):
    item_id = RowId(required=True)
    title = fields.String(required=True)
    kind = fields.Enum(ItemKind, by_value=True, required=True)
    capacity = fields.Integer(allow_none=True)
    signed_up = fields.Integer(required=True)
    is_cancelled = fields.Boolean(required=True)


class AgendaSchema(OutputSchema):
    edition = fields.String(required=True)
    time_zone = fields.String(required=True)
    person = fields.Nested(PersonPublicSchema, required=True)
    items = Serialized(ProgrammeItemSchema, many=True, required=True)


class ExhibitorSchema(OutputSchema):
    id = fields.Integer(required=True)
    organization = fields.Nested(OrganizationBriefSchema, attribute="organization_as_shown",
                                 required=True)
    stand = fields.String(allow_none=True)
    description = fields.String(allow_none=True)


class ExhibitorCreateSchema(InputSchema):
    organization_id = RowId(required=True, strict=True)
    stand = fields.String(allow_none=True, validate=validate.Length(max=60))
    description = MultiLineText(allow_none=True, validate=validate.Length(max=2000))


class ExhibitorUpdateSchema(InputSchema):
    stand = fields.String(allow_none=True, validate=validate.Length(max=60))
    description = MultiLineText(allow_none=True, validate=validate.Length(max=2000))


class PublishSchema(InputSchema):
    note = MultiLineText(allow_none=True, validate=validate.Length(max=500))


class VersionSchema(OutputSchema):
    number = fields.Integer(required=True)
    note = fields.String(allow_none=True)
    published_at = fields.AwareDateTime(required=True)


class ChangelogQuerySchema(QuerySchema):
    from_version = fields.Integer(required=True, data_key="from",
                                  validate=validate.Range(min=1, max=INTEGER_MAX))
    to_version = fields.String(required=True, data_key="to",
                               validate=validate.Regexp(r"^(draft|[1-9][0-9]{0,8})$"))


class ChangeEntrySchema(OutputSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    fields_ = fields.List(fields.String(), attribute="fields", data_key="fields")
    from_ = fields.Dict(attribute="from", data_key="from")
    to = fields.Dict()


class ChangelogSchema(OutputSchema):
    edition = fields.String(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Raw(required=True)
    added = fields.List(fields.Nested(ChangeEntrySchema), required=True)
    cancelled = fields.List(fields.Nested(ChangeEntrySchema), required=True)
    moved = fields.List(fields.Nested(ChangeEntrySchema), required=True)
    changed = fields.List(fields.Nested(ChangeEntrySchema), required=True)
