from __future__ import annotations

from marshmallow import fields, validate

from eventhub.schemas import OutputSchema, QuerySchema
from eventhub.statements.models import StatementKind, StatementStatus
from eventhub.statements.service import roman


class SectionSchema(OutputSchema):
    number = fields.Function(lambda section: roman(section.position), required=True,
                             metadata={"description": "Roman numeral derived from order"})
    position = fields.Integer(required=True)
    paragraphs = fields.Pluck("ParagraphSchema", "text", many=True, required=True)


class ParagraphSchema(OutputSchema):
    text = fields.String(required=True)


class StatementSummarySchema(OutputSchema):
    id = fields.Integer(required=True)
    kind = fields.Enum(StatementKind, by_value=True, required=True)
    title = fields.String(required=True)
    dateline = fields.String(allow_none=True)
    language = fields.String(required=True)
    status = fields.Enum(StatementStatus, by_value=True, required=True)
    published_at = fields.AwareDateTime(allow_none=True)


class StatementSchema(StatementSummarySchema):
    sections = fields.List(fields.Nested(SectionSchema), required=True)


class StatementFormatSchema(QuerySchema):
    format = fields.String(validate=validate.OneOf(["json", "text"]),
                           metadata={"description": "text: plain text, as Accept: text/plain"})
