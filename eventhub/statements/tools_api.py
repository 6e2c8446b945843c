"""Tools for the statement's authors: a fact check against the edition's records, and a
first draft written from them."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from eventhub.auth.permissions import Permission
from eventhub.http import BEARER_SECURITY, Blueprint, current_actor, requires
from eventhub.schemas import InputSchema, OutputSchema, QuerySchema, RowId
from eventhub.statements import service
from eventhub.statements.drafting import draft_from_record
from eventhub.statements.factcheck import fact_check
from eventhub.statements.schemas import LANGUAGE, StatementSchema

blp = Blueprint("statement_tools", __name__, url_prefix="/api/v1",
                description="Chair's statements: fact check and first draft from the record")


class FactCheckQuerySchema(QuerySchema):
    revision = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "Revision to check; default: the latest"})


class MismatchSchema(OutputSchema):
    kind = fields.String(required=True, metadata={
        "description": "guests, countries_and_regions, breakout_sessions, breakout_topic, "
                       "breakout_topic_missing, theme, place, dates, dateline, host, "
                       "organization, speaker, speaker_position or unknown_person"})
    section = fields.String(required=True, metadata={
        "description": "Roman number of the section, or \"dateline\""})
    text_says = fields.String(required=True)
    records_say = fields.String(allow_none=True)
    excerpt = fields.String(required=True)


class CheckedSchema(OutputSchema):
    kind = fields.String(required=True)
    section = fields.String(required=True)
    text_says = fields.String(required=True)
    records_say = fields.String(allow_none=True)
    result = fields.String(required=True, validate=validate.OneOf(
        ("match", "mismatch", "unverified")), metadata={
        "description": "unverified: the records hold nothing to compare with"})
    excerpt = fields.String(required=True, metadata={"description": "Where the claim stands"})


class UnreadSchema(OutputSchema):
    section = fields.String(required=True)
    excerpt = fields.String(required=True)


class CoverageSchema(OutputSchema):
    sentences = fields.Integer(required=True)
    sentences_read = fields.Integer(required=True, metadata={
        "description": "Sentences holding at least one claim the check understood"})
    characters = fields.Integer(required=True)
    characters_read = fields.Integer(required=True)
    share = fields.Float(required=True, metadata={
        "description": "characters_read / characters, 0 to 1"})
    claims = fields.Integer(required=True)
    body_claims = fields.Integer(required=True, metadata={
        "description": "Claims found in the sections (the dateline aside)"})
    dateline_read = fields.Boolean(required=True)
    low = fields.Boolean(required=True, metadata={
        "description": "Too little was read for the check to vouch for the text"})
    unread = fields.List(fields.Nested(UnreadSchema), required=True, metadata={
        "description": "Sentences in which the check found nothing it could compare"})


class FactCheckSchema(OutputSchema):
    statement_id = RowId(required=True)
    revision = fields.Integer(required=True)
    language = fields.String(required=True)
    ok = fields.Boolean(required=True, metadata={
        "description": "No mismatch found, and enough of the text read to say so"})
    verdict = fields.String(required=True, validate=validate.OneOf(
        ("no_mismatch", "mismatches", "low_coverage")), metadata={
        "description": "low_coverage: no mismatch among the few claims read; the check "
                       "vouches for nothing"})
    mismatches = fields.List(fields.Nested(MismatchSchema), required=True)
    checked = fields.List(fields.Nested(CheckedSchema), required=True, metadata={
        "description": "Everything compared, in reading order"})
    coverage = fields.Nested(CoverageSchema, required=True)


class DraftFromRecordSchema(InputSchema):
    language = fields.String(load_default="en", validate=LANGUAGE)


@blp.route("/editions/<slug>/statements/<int:statement_id>/fact-check")
class FactCheck(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(FactCheckQuerySchema, location="query")
    @blp.response(200, FactCheckSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, query, slug, statement_id):
        """Compare the figures and names in the text (English or Chinese) with the
        edition's records (reported figures, programme, organizations, dates and place),
        list every mismatch, and say how much of the text was read (coverage): a text the
        check can hardly read gets the verdict low_coverage, never no_mismatch."""
        return fact_check(current_actor(), slug, statement_id, query.get("revision"))


@blp.route("/editions/<slug>/statements/draft-from-record")
class DraftFromRecord(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(DraftFromRecordSchema)
    @blp.response(201, StatementSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Write a first draft of the Chair's Statement from the edition's records
        (dates and place, host, attendance, organizations, speakers in running order,
        breakout topics); it starts as a draft at revision 1."""
        actor = current_actor()
        statement = draft_from_record(actor, slug, data["language"])
        view = service.statement_view(actor, slug, statement.id)
        return view, 201, {"ETag": service.etag_for(statement, view["revision"])}
