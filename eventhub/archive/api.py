from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from eventhub.archive import bundle, service
from eventhub.archive.schemas import (
    AnonymizeReportSchema,
    EditionFiguresSchema,
    ExportQuerySchema,
    NextEditionSchema,
    OrganizationHistorySchema,
    ParticipationHistorySchema,
)
from eventhub.auth.permissions import Permission
from eventhub.editions.schemas import EditionSchema
from eventhub.errors import Unprocessable
from eventhub.http import BEARER_SECURITY, Blueprint, config, current_actor, requires
from eventhub.i18n import N_

blp = Blueprint("archive", __name__, url_prefix="/api/v1",
                description="The record across editions: history, bundles, retention")


@blp.route("/history/participation")
class ParticipationHistory(MethodView):
    @blp.response(200, ParticipationHistorySchema)
    def get(self):
        """Which organizations and countries or regions took part in which editions."""
        return service.participation_history(current_actor())


@blp.route("/history/organizations/<int:organization_id>")
class OrganizationHistory(MethodView):
    @blp.response(200, OrganizationHistorySchema)
    def get(self, organization_id):
        """One organization's participation across editions, with its speakers."""
        return service.organization_history(current_actor(), organization_id)


@blp.route("/history/figures")
class FiguresHistory(MethodView):
    @blp.response(200, EditionFiguresSchema(many=True))
    def get(self):
        """Per edition, reported figures beside recorded counts."""
        return service.figures_side_by_side(current_actor())


@blp.route("/editions/<slug>/next")
class NextEdition(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(NextEditionSchema)
    @blp.response(201, EditionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Create the next edition from this one: programme skeleton, breakout topics
        as templates, and a draft invitation list of the organizations that took part."""
        return service.next_edition(current_actor(), slug, data)


@blp.route("/editions/<slug>/export")
class Export(MethodView):
    @requires(Permission.MANAGE_USERS)
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, {"type": "object"},
                  description="The edition bundle (JSON, see bundle.schema.json)",
                  content_type="application/json")
    @blp.doc(security=BEARER_SECURITY)
    def get(self, query, slug):
        """Export the edition with everything under it (admins)."""
        pieces = bundle.export_stream(current_actor(), slug,
                                      include_personal=query["include_personal"])
        return Response(pieces, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{slug}.eventhub.json"',
            "Cache-Control": "no-store"})


@blp.route("/archive/import")
class Import(MethodView):
    @requires(Permission.MANAGE_USERS)
    @blp.response(201, EditionSchema)
    @blp.doc(security=BEARER_SECURITY, requestBody={"content": {"application/json": {
        "schema": {"type": "object", "description": "An edition bundle"}}}})
    def post(self):
        """Import an edition bundle, all or nothing (admins)."""
        # Bundles with credential files (base64) outgrow the ordinary request limit.
        request.max_content_length = config("ARCHIVE_IMPORT_MAX_BYTES")
        try:
            document = request.get_json(silent=True)
        except RecursionError:
            raise Unprocessable(N_("The JSON body is nested too deeply to be a bundle."),
                                code="bundle.too_deep") from None
        if document is None:
            raise Unprocessable(N_("Send the bundle as a JSON body."),
                                code="bundle.not_json")
        return bundle.import_bundle(current_actor(), document)


@blp.route("/editions/<slug>/anonymize")
class Anonymize(MethodView):
    @requires(Permission.MANAGE_USERS)
    @blp.response(200, AnonymizeReportSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug):
        """Remove the archived edition's private personal data now (admins)."""
        return service.anonymize(current_actor(), slug)
