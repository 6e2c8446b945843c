from __future__ import annotations

from flask.views import MethodView

from eventhub.auth.permissions import Permission
from eventhub.editions import service
from eventhub.editions.schemas import (
    EditionCreateSchema,
    EditionFilterSchema,
    EditionSchema,
    EditionStatusChangeSchema,
    EditionSummarySchema,
    EditionUpdateSchema,
    ParticipantsSchema,
    ParticipatingOrganizationSchema,
    ParticipationCreateSchema,
    ReportedFigureCreateSchema,
    ReportedFigureSchema,
    ReportedFigureUpdateSchema,
    SeriesCreateSchema,
    SeriesSchema,
    SeriesUpdateSchema,
)
from eventhub.http import BEARER_SECURITY, Blueprint, SelectPage, current_actor, requires

blp = Blueprint("editions", __name__, url_prefix="/api/v1",
                description="Series, editions, reported figures and participants")


@blp.route("/series")
class SeriesCollection(MethodView):
    @blp.response(200, SeriesSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """List the series (recurring forums)."""
        return service.list_series(current_actor())

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(SeriesCreateSchema)
    @blp.response(201, SeriesSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data):
        """Create a series."""
        return service.create_series(current_actor(), data)


@blp.route("/series/<slug>")
class SeriesDetail(MethodView):
    @blp.response(200, SeriesSchema)
    def get(self, slug):
        """Read a series."""
        return service.get_series(current_actor(), slug)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(SeriesUpdateSchema)
    @blp.response(200, SeriesSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug):
        """Change a series' name or description."""
        return service.update_series(current_actor(), slug, changes)


@blp.route("/editions")
class Editions(MethodView):
    @blp.arguments(EditionFilterSchema, location="query")
    @blp.response(200, EditionSummarySchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """List editions, newest first. The public sees non-draft editions only."""
        return service.list_editions(current_actor(), filters)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(EditionCreateSchema)
    @blp.response(201, EditionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data):
        """Create an edition (status draft)."""
        return service.create_edition(current_actor(), data)


@blp.route("/editions/<slug>")
class EditionDetail(MethodView):
    @blp.response(200, EditionSchema)
    def get(self, slug):
        """Read an edition with its reported figures and recorded counts."""
        return service.get_edition(current_actor(), slug)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(EditionUpdateSchema(partial=True))
    @blp.response(200, EditionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug):
        """Change an edition; archived editions are read-only (409)."""
        return service.update_edition(current_actor(), slug, changes)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug):
        """Delete a draft edition (409 for any other status)."""
        service.delete_edition(current_actor(), slug)


@blp.route("/editions/<slug>/status")
class EditionStatusChange(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(EditionStatusChangeSchema)
    @blp.response(200, EditionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Move an edition along draft -> open -> closed -> archived (409 otherwise)."""
        return service.change_status(current_actor(), slug, data["status"])


@blp.route("/editions/<slug>/figures")
class Figures(MethodView):
    @blp.response(200, ReportedFigureSchema(many=True))
    def get(self, slug):
        """Reported figures of an edition, as the record states them."""
        return service.list_figures(current_actor(), slug)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ReportedFigureCreateSchema)
    @blp.response(201, ReportedFigureSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Add a reported figure with its qualifier and source."""
        return service.add_figure(current_actor(), slug, data)


@blp.route("/editions/<slug>/figures/<key>")
class FigureDetail(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ReportedFigureUpdateSchema(partial=True))
    @blp.response(200, ReportedFigureSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug, key):
        """Correct a reported figure."""
        return service.update_figure(current_actor(), slug, key, changes)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, key):
        """Remove a reported figure."""
        service.delete_figure(current_actor(), slug, key)


@blp.route("/editions/<slug>/participants")
class Participants(MethodView):
    @blp.response(200, ParticipantsSchema)
    def get(self, slug):
        """Organizations and people who took part, with their roles."""
        return service.participants(current_actor(), slug)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ParticipationCreateSchema)
    @blp.response(201, ParticipatingOrganizationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Record an organization as taking part."""
        return service.add_participation(current_actor(), slug, data)


@blp.route("/editions/<slug>/participants/<int:organization_id>")
class ParticipantDetail(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, organization_id):
        """Remove an organization's participation."""
        service.remove_participation(current_actor(), slug, organization_id)
