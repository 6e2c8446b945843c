"""Badges over HTTP: printable PDF badges of one registration, a delegation, or every
confirmed registration of an edition (organizers). The badge language is the request's
(`?lang=zh` for Chinese)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from eventhub.auth.permissions import Permission
from eventhub.http import BEARER_SECURITY, Blueprint, current_actor, requires
from eventhub.openapi import BINARY, may_refuse
from eventhub.registrations import badges
from eventhub.schemas import QuerySchema

blp = Blueprint("badges", __name__, url_prefix="/api/v1",
                description="Printable badges (PDF) with the badge code as a QR code")


class BadgeQuerySchema(QuerySchema):
    layout = fields.String(load_default="a6", validate=validate.OneOf(badges.LAYOUTS),
                           metadata={"description": "a6: one badge per A6 page; a4: four "
                                                    "per A4 sheet with cut marks"})


def pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


_PDF = {"schema": BINARY, "description": "The badges as a PDF",
        "content_type": "application/pdf"}


@blp.route("/editions/<slug>/badges.pdf")
class EditionBadges(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(BadgeQuerySchema, location="query")
    @blp.response(200, **_PDF)
    @may_refuse(409)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, query, slug):
        """The badges of every confirmed registration, by organization then name."""
        pdf = badges.badges_pdf(current_actor(), slug, layout=query["layout"])
        return pdf_response(pdf, badges.filename(slug))


@blp.route("/editions/<slug>/delegations/<int:delegation_id>/badges.pdf")
class DelegationBadges(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(BadgeQuerySchema, location="query")
    @blp.response(200, **_PDF)
    @may_refuse(409)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, query, slug, delegation_id):
        """The badges of a delegation's confirmed members."""
        pdf = badges.badges_pdf(current_actor(), slug, layout=query["layout"],
                                delegation_id=delegation_id)
        return pdf_response(pdf, badges.filename(slug, delegation_id=delegation_id))


@blp.route("/editions/<slug>/registrations/<int:registration_id>/badge.pdf")
class RegistrationBadge(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(BadgeQuerySchema, location="query")
    @blp.response(200, **_PDF)
    @may_refuse(409)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, query, slug, registration_id):
        """One confirmed registration's badge."""
        pdf = badges.badges_pdf(current_actor(), slug, layout=query["layout"],
                                registration_id=registration_id)
        return pdf_response(pdf, badges.filename(slug, registration_id=registration_id))
