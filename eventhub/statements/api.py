from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from eventhub.http import current_actor
from eventhub.statements import service
from eventhub.statements.schemas import (
    StatementFormatSchema,
    StatementSchema,
    StatementSummarySchema,
)

blp = Blueprint("statements", __name__, url_prefix="/api/v1",
                description="Chair's statements and other outcome documents")


def _wants_text(requested_format: str | None) -> bool:
    if requested_format:
        return requested_format == "text"
    best = request.accept_mimetypes.best_match(["application/json", "text/plain"])
    return best == "text/plain"


@blp.route("/editions/<slug>/statements")
class Statements(MethodView):
    @blp.response(200, StatementSummarySchema(many=True))
    def get(self, slug):
        """Statements of an edition (the public sees published ones)."""
        return service.list_statements(current_actor(), slug)


@blp.route("/editions/<slug>/statements/<int:statement_id>")
class StatementDetail(MethodView):
    @blp.arguments(StatementFormatSchema, location="query")
    @blp.response(200, StatementSchema)
    @blp.alt_response(200, description="The statement as plain text",
                      content_type="text/plain", success=True)
    def get(self, query, slug, statement_id):
        """A statement with numbered sections; `?format=text` or `Accept: text/plain`
        gives the plain text."""
        statement = service.get_statement(current_actor(), slug, statement_id)
        if _wants_text(query.get("format")):
            return Response(service.render_text(statement),
                            mimetype="text/plain", headers={"Vary": "Accept"})
        return statement
