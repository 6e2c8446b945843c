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
                       "organization, speaker_position or unknown_person"})
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


class FactCheckSchema(OutputSchema):
    statement_id = RowId(required=True)
    revision = fields.Integer(required=True)
    ok = fields.Boolean(required=True, metadata={"description": "No mismatch found"})
    mismatches = fields.List(fields.Nested(MismatchSchema), required=True)
    checked = fields.List(fields.Nested(CheckedSchema), required=True, metadata={
        "description": "Everything compared, in reading order"})


class DraftFromRecordSchema(InputSchema):
    language = fields.String(load_default="en", validate=LANGUAGE)


@blp.route("/editions/<slug>/statements/<int:statement_id>/fact-check")
class FactCheck(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(FactCheckQuerySchema, location="query")
    @blp.response(200, FactCheckSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, query, slug, statement_id):
        """Compare the figures and names in the text with the edition's records
        (reported figures, programme, organizations, dates and place) and list every
        mismatch."""
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
