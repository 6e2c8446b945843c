from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from eventhub.auth.permissions import Permission
from eventhub.errors import Unprocessable
from eventhub.http import BEARER_SECURITY, Blueprint, current_actor, requires, requires_login
from eventhub.i18n import N_
from eventhub.openapi import BINARY, IF_MATCH, TEXT, also_returns
from eventhub.statements import rendering, service
from eventhub.statements.schemas import (
    ApproverSchema,
    CommentCreateSchema,
    CommentSchema,
    CorrectionInputSchema,
    DiffQuerySchema,
    DiffSchema,
    LanguageCreateSchema,
    RevisionSchema,
    SectionEditSchema,
    SectionInsertSchema,
    StatementCreateSchema,
    StatementEditSchema,
    StatementReadSchema,
    StatementSchema,
    StatementSummarySchema,
    StatusChangeSchema,
    SuggestionCreateSchema,
    SuggestionSchema,
)

blp = Blueprint("statements", __name__, url_prefix="/api/v1",
                description="Chair's statements: drafting, revisions, review, publication")

BASE = "/editions/<slug>/statements/<int:statement_id>"
# JSON first: `Accept: */*` (curl's, requests' and httpx's default) gets the JSON the
# document declares first; a rendering needs an explicit Accept or ?format=.
_ACCEPT = {"application/json": "json", "text/plain": "text", "text/markdown": "markdown",
           "text/html": "html", "application/pdf": "pdf"}
_RENDERINGS = {"text/plain": {"schema": TEXT}, "text/markdown": {"schema": TEXT},
               "text/html": {"schema": TEXT}, "application/pdf": {"schema": BINARY}}


def _requested_format(query: dict) -> str:
    if query.get("format"):
        return query["format"]
    best = request.accept_mimetypes.best_match(list(_ACCEPT), default="application/json")
    return _ACCEPT[best]


def _with_etag(view: dict):
    statement_id, revision = view["id"], view["revision"]
    return view, 200, {"ETag": f'"statement-{statement_id}-rev-{revision}"'}


def _saved(slug: str, statement_id: int, status: int = 200):
    view = service.statement_view(current_actor(), slug, statement_id)
    body, _, headers = _with_etag(view)
    return body, status, headers


@blp.route("/editions/<slug>/statements")
class Statements(MethodView):
    @blp.response(200, StatementSummarySchema(many=True))
    def get(self, slug):
        """Statements of an edition (the public sees published ones)."""
        return service.list_statements(current_actor(), slug)

    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(StatementCreateSchema)
    @blp.response(201, StatementSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Start a statement (draft, revision 1)."""
        statement = service.create_statement(current_actor(), slug, data)
        return _saved(slug, statement.id, 201)


@blp.route(BASE)
class StatementDetail(MethodView):
    @blp.arguments(StatementReadSchema, location="query")
    @blp.response(200, StatementSchema, headers={"ETag": {
        "description": "The revision shown; send it back as If-Match when editing",
        "schema": {"type": "string"}}})
    @also_returns(200, _RENDERINGS)
    def get(self, query, slug, statement_id):
        """A statement with numbered sections: the latest revision for staff, the
        published one for the public; `revision` picks another. `format` (or Accept)
        gives plain text, Markdown, a printable HTML page or PDF."""
        view = service.statement_view(current_actor(), slug, statement_id,
                                      query.get("revision"))
        fmt = _requested_format(query)
        if fmt == "json":
            return _with_etag(view)
        body, mimetype = rendering.render(view, fmt)
        return Response(body, mimetype=mimetype, headers={"Vary": "Accept"})

    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(StatementEditSchema)
    @blp.response(200, StatementSchema)
    @blp.doc(security=BEARER_SECURITY, parameters=[IF_MATCH])
    def patch(self, data, slug, statement_id):
        """Change the title, dateline or the sections as a whole (insert, move, delete);
        needs If-Match with the current revision (412 otherwise)."""
        service.edit_structure(current_actor(), slug, statement_id, data,
                               request.headers.get("If-Match"))
        return _saved(slug, statement_id)


@blp.route(f"{BASE}/sections")
class Sections(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(SectionInsertSchema)
    @blp.response(201, StatementSchema)
    @blp.doc(security=BEARER_SECURITY, parameters=[IF_MATCH])
    def post(self, data, slug, statement_id):
        """Insert a section (the ones after it renumber); needs the current If-Match."""
        service.insert_section(current_actor(), slug, statement_id, data.get("position"),
                               data["paragraphs"], data.get("note"),
                               request.headers.get("If-Match"))
        return _saved(slug, statement_id, 201)


@blp.route(f"{BASE}/sections/<key>")
class SectionDetail(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(SectionEditSchema)
    @blp.response(200, StatementSchema)
    @blp.doc(security=BEARER_SECURITY, parameters=[IF_MATCH])
    def put(self, data, slug, statement_id, key):
        """Replace a section's paragraphs. With an older If-Match the edit merges if
        nobody changed this section since; otherwise 412 with the current text."""
        service.edit_section(current_actor(), slug, statement_id, key, data["paragraphs"],
                             data.get("note"), request.headers.get("If-Match"))
        return _saved(slug, statement_id)


@blp.route(f"{BASE}/revisions")
class Revisions(MethodView):
    @blp.response(200, RevisionSchema(many=True))
    def get(self, slug, statement_id):
        """Revisions (the public sees published ones, corrections included)."""
        return service.list_revisions(current_actor(), slug, statement_id)


@blp.route(f"{BASE}/revisions/<int:number>/restore")
class Restore(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.response(201, StatementSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, statement_id, number):
        """Make an old revision's text current again, as a new revision."""
        service.restore(current_actor(), slug, statement_id, number)
        return _saved(slug, statement_id, 201)


@blp.route(f"{BASE}/diff")
class Diff(MethodView):
    @blp.arguments(DiffQuerySchema, location="query")
    @blp.response(200, DiffSchema)
    def get(self, query, slug, statement_id):
        """What changed between two revisions, by section, paragraph and word."""
        return service.diff(current_actor(), slug, statement_id, query["from_revision"],
                            query["to_revision"])


@blp.route(f"{BASE}/status")
class Status(MethodView):
    @requires_login
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, StatementSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, statement_id):
        """draft -> in_review -> approved -> published (in_review -> draft to rework).
        The secretariat submits and publishes; the chair's approver approves."""
        service.change_status(current_actor(), slug, statement_id, data["status"],
                              data.get("confirm"))
        return _saved(slug, statement_id)


@blp.route(f"{BASE}/corrections")
class Corrections(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(CorrectionInputSchema)
    @blp.response(201, StatementSchema)
    @blp.doc(security=BEARER_SECURITY, parameters=[IF_MATCH])
    def post(self, data, slug, statement_id):
        """Correct a published statement: a new published revision with a visible note;
        the earlier text stays readable. Needs the current If-Match."""
        service.publish_correction(current_actor(), slug, statement_id, data.get("sections"),
                                   data.get("title"), data["note"],
                                   request.headers.get("If-Match"))
        return _saved(slug, statement_id, 201)


@blp.route(f"{BASE}/approver")
class Approver(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(ApproverSchema)
    @blp.response(200, StatementSchema)
    @blp.doc(security=BEARER_SECURITY)
    def put(self, data, slug, statement_id):
        """Name the user whose approval the chair requires."""
        service.set_approver(current_actor(), slug, statement_id, data["approver_id"])
        return _saved(slug, statement_id)


@blp.route(f"{BASE}/languages")
class Languages(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.arguments(LanguageCreateSchema)
    @blp.response(201, StatementSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, statement_id):
        """Start another language version, linked to this one, as a draft."""
        statement = service.create_language_version(current_actor(), slug, statement_id,
                                                    data["language"])
        return _saved(slug, statement.id, 201)


@blp.route(f"{BASE}/comments")
class Comments(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, CommentSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, statement_id):
        """Review comments and replies."""
        return service.list_comments(current_actor(), slug, statement_id)

    @requires_login
    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, statement_id):
        """Comment on a section (section_key), or reply to a comment (parent_id)."""
        if not data.get("section_key") and data.get("parent_id") is None:
            raise Unprocessable.for_field("section_key", N_("Give section_key or parent_id."),
                                          code="statement.comment_target_missing")
        return service.add_comment(current_actor(), slug, statement_id, data)


@blp.route(f"{BASE}/comments/<int:comment_id>/resolve")
class ResolveComment(MethodView):
    @requires_login
    @blp.response(200, CommentSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, statement_id, comment_id):
        """Mark a comment resolved."""
        return service.resolve_comment(current_actor(), slug, statement_id, comment_id)


@blp.route(f"{BASE}/suggestions")
class Suggestions(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, SuggestionSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, statement_id):
        """Suggested replacements for paragraphs."""
        return service.list_suggestions(current_actor(), slug, statement_id)

    @requires_login
    @blp.arguments(SuggestionCreateSchema)
    @blp.response(201, SuggestionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, statement_id):
        """Propose replacement text for one paragraph."""
        return service.suggest(current_actor(), slug, statement_id, data)


@blp.route(f"{BASE}/suggestions/<int:suggestion_id>/accept")
class AcceptSuggestion(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.response(200, SuggestionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, statement_id, suggestion_id):
        """Accept a suggestion: the paragraph is replaced in a new revision."""
        return service.decide_suggestion(current_actor(), slug, statement_id, suggestion_id,
                                         accept=True)


@blp.route(f"{BASE}/suggestions/<int:suggestion_id>/reject")
class RejectSuggestion(MethodView):
    @requires(Permission.MANAGE_STATEMENTS)
    @blp.response(200, SuggestionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, statement_id, suggestion_id):
        """Reject a suggestion."""
        return service.decide_suggestion(current_actor(), slug, statement_id, suggestion_id,
                                         accept=False)
