from __future__ import annotations

from marshmallow import fields, post_dump, validate

from eventhub.auth.permissions import Permission
from eventhub.http import current_actor
from eventhub.schemas import (
    INTEGER_MAX,
    LANGUAGE,
    InputSchema,
    MultiLineText,
    OutputSchema,
    QuerySchema,
    RowId,
    not_blank,
)
from eventhub.statements.models import StatementKind, StatementStatus, SuggestionStatus

FORMATS = ("json", "text", "markdown", "html", "pdf")


def _paragraph() -> fields.String:
    return MultiLineText(validate=[validate.Length(max=20_000), not_blank])


class SectionSchema(OutputSchema):
    key = fields.String(required=True, metadata={"description": "Stable across revisions"})
    number = fields.String(required=True, metadata={"description": "Roman, from order"})
    paragraphs = fields.List(fields.String(), required=True)


class LanguageVersionSchema(OutputSchema):
    id = fields.Integer(required=True)
    language = fields.String(required=True)
    status = fields.Enum(StatementStatus, by_value=True, required=True)
    published = fields.Boolean(required=True)


class CorrectionSchema(OutputSchema):
    revision = fields.Integer(required=True)
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class StatementSummarySchema(OutputSchema):
    id = fields.Integer(required=True)
    kind = fields.Enum(StatementKind, by_value=True, required=True)
    language = fields.String(required=True)
    title = fields.String(required=True)
    dateline = fields.String(allow_none=True)
    status = fields.Enum(StatementStatus, by_value=True, required=True)
    published_revision = fields.Integer(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)


class StatementSchema(StatementSummarySchema):
    revision = fields.Integer(required=True, metadata={"description": "Revision shown"})
    latest_revision = fields.Integer(allow_none=True)
    approver_id = RowId(allow_none=True)
    languages = fields.List(fields.Nested(LanguageVersionSchema), required=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True)
    sections = fields.List(fields.Nested(SectionSchema), required=True)


class StatementReadSchema(QuerySchema):
    format = fields.String(validate=validate.OneOf(FORMATS), metadata={
        "description": "text, markdown, html or pdf; or ask with the Accept header"})
    revision = fields.Integer(validate=validate.Range(min=1, max=INTEGER_MAX))


class SectionInputSchema(InputSchema):
    key = fields.String(validate=validate.Length(max=40), metadata={
        "description": "Keep a section's key when restructuring; omit for a new section"})
    paragraphs = fields.List(_paragraph(), required=True, validate=validate.Length(min=1))


class ContentSchema(InputSchema):
    title = fields.String(required=True, validate=[validate.Length(max=2000), not_blank])
    dateline = fields.String(allow_none=True, validate=validate.Length(max=200))
    sections = fields.List(fields.Nested(SectionInputSchema), required=True,
                           validate=validate.Length(min=1, max=100))


class StatementCreateSchema(InputSchema):
    kind = fields.Enum(StatementKind, by_value=True, required=True)
    language = fields.String(load_default="en", validate=LANGUAGE)
    approver_id = RowId(allow_none=True, strict=True)
    note = MultiLineText(allow_none=True, validate=validate.Length(max=500))
    content = fields.Nested(ContentSchema, required=True)


class StatementEditSchema(InputSchema):
    title = fields.String(validate=[validate.Length(max=2000), not_blank])
    dateline = fields.String(allow_none=True, validate=validate.Length(max=200))
    sections = fields.List(fields.Nested(SectionInputSchema),
                           validate=validate.Length(min=1, max=100))
    note = MultiLineText(allow_none=True, validate=validate.Length(max=500))


class SectionEditSchema(InputSchema):
    paragraphs = fields.List(_paragraph(), required=True, validate=validate.Length(min=1))
    note = MultiLineText(allow_none=True, validate=validate.Length(max=500))


class SectionInsertSchema(SectionEditSchema):
    position = fields.Integer(strict=True, validate=validate.Range(min=1, max=100),
                              metadata={"description": "1-based; default: last"})


class PublishConfirmSchema(InputSchema):
    mismatches = fields.Boolean(load_default=False, metadata={
        "description": "Publish although the fact check found mismatches"})
    lower_coverage = fields.Boolean(load_default=False, metadata={
        "description": "Publish a language version whose fact check read less of the text "
                       "than it read of the English version"})
    reason = MultiLineText(validate=validate.Length(max=1000), metadata={
        "description": "Why; recorded with the published revision"})


class StatusChangeSchema(InputSchema):
    status = fields.Enum(StatementStatus, by_value=True, required=True)
    confirm = fields.Nested(PublishConfirmSchema, metadata={
        "description": "For publishing: what the fact check asks to confirm (a 409 with "
                       "code statement.publish_needs_confirmation lists it)"})


class CorrectionInputSchema(InputSchema):
    title = fields.String(validate=[validate.Length(max=2000), not_blank])
    sections = fields.List(fields.Nested(SectionInputSchema),
                           validate=validate.Length(min=1, max=100))
    note = MultiLineText(required=True, validate=[validate.Length(max=500), not_blank],
                         metadata={"description": "Shown to the public with the correction"})


class ApproverSchema(InputSchema):
    approver_id = RowId(required=True, allow_none=True, strict=True)


class LanguageCreateSchema(InputSchema):
    language = fields.String(required=True, validate=LANGUAGE)


class RevisionSchema(OutputSchema):
    number = fields.Integer(required=True)
    note = fields.String(allow_none=True)
    author_label = fields.String(metadata={"description": "Staff only"})
    is_published = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    publication_confirmation = fields.Dict(allow_none=True, metadata={
        "description": "Staff only: what was confirmed when this text was published over "
                       "fact-check findings, by whom and why"})

    @post_dump
    def _hide_author(self, data, **kwargs):
        # Authors are staff accounts (e-mail addresses): not for the public.
        if not current_actor().can(Permission.READ_INTERNAL):
            data.pop("author_label", None)
            data.pop("publication_confirmation", None)
        return data


class DiffQuerySchema(QuerySchema):
    from_revision = fields.Integer(required=True, data_key="from",
                                   validate=validate.Range(min=1, max=INTEGER_MAX))
    to_revision = fields.Integer(required=True, data_key="to",
                                 validate=validate.Range(min=1, max=INTEGER_MAX))


class DiffSchema(OutputSchema):
    from_revision = fields.Integer(required=True)
    to_revision = fields.Integer(required=True)
    identical = fields.Boolean(required=True)
    header = fields.Dict(required=True)
    sections = fields.List(fields.Dict(), required=True, metadata={
        "description": "Per section: change (added, removed, moved, edited), numbers, and "
                       "paragraph changes with word-level operations (equal, delete, insert)"})


class CommentSchema(OutputSchema):
    id = fields.Integer(required=True)
    section_key = fields.String(required=True)
    parent_id = RowId(allow_none=True)
    author_label = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True)


class CommentCreateSchema(InputSchema):
    section_key = fields.String(validate=validate.Length(max=40))
    parent_id = RowId(allow_none=True, strict=True)
    body = MultiLineText(required=True, validate=[validate.Length(max=10_000), not_blank])


class SuggestionSchema(OutputSchema):
    id = fields.Integer(required=True)
    section_key = fields.String(required=True)
    paragraph_index = fields.Integer(required=True)
    base_revision = fields.Integer(required=True)
    original_text = fields.String(required=True)
    proposed_text = fields.String(required=True)
    author_label = fields.String(required=True)
    status = fields.Enum(SuggestionStatus, by_value=True, required=True)
    resulting_revision = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class SuggestionCreateSchema(InputSchema):
    section_key = fields.String(required=True, validate=validate.Length(max=40))
    paragraph_index = fields.Integer(required=True, strict=True,
                                     validate=validate.Range(min=0))
    proposed_text = MultiLineText(required=True,
                                  validate=[validate.Length(max=20_000), not_blank])
