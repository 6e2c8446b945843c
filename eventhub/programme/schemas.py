from __future__ import annotations

from marshmallow import fields

from eventhub.directory.schemas import PersonPublicSchema
from eventhub.programme.models import Delivery, ItemKind, SpeechRole
from eventhub.schemas import OutputSchema, QuerySchema


class SpeechSchema(OutputSchema):
    position = fields.Integer(required=True)
    role = fields.Enum(SpeechRole, by_value=True, required=True)
    delivery = fields.Enum(Delivery, by_value=True, allow_none=True,
                           metadata={"description": "null where the record does not say"})
    talk_title = fields.String(allow_none=True)
    person = fields.Nested(PersonPublicSchema, required=True)


class ProgrammeItemSchema(OutputSchema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    kind = fields.Enum(ItemKind, by_value=True, required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    room = fields.String(allow_none=True)
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    speeches = fields.List(fields.Nested(SpeechSchema), required=True)


class ProgrammeFilterSchema(QuerySchema):
    kind = fields.Enum(ItemKind, by_value=True)
