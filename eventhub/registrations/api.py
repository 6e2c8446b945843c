from __future__ import annotations

from flask import Response
from flask.views import MethodView

from eventhub.auth.permissions import Permission
from eventhub.extensions import db
from eventhub.http import BEARER_SECURITY, Blueprint, SelectPage, current_actor, requires
from eventhub.idempotency import idempotent
from eventhub.openapi import BINARY, also_returns
from eventhub.registrations import credentials, service
from eventhub.registrations.schemas import (
    CheckInSchema,
    CountsSchema,
    CredentialSummarySchema,
    DelegationSchema,
    RegistrationCreateSchema,
    RegistrationFilterSchema,
    RegistrationSchema,
)


class RosterPage(SelectPage):
    """A page of the roster, counted by the roster's own count (without the joins that
    only load the rows)."""

    def __init__(self, roster: service.Roster, page_params) -> None:
        self.roster = roster
        super().__init__(roster.query, page_params)

    @property
    def item_count(self) -> int:
        return db.session.scalar(self.roster.count) or 0


blp = Blueprint("registrations", __name__, url_prefix="/api/v1",
                description="Registrations, delegations, capacity and check-in (organizers)")


@blp.route("/editions/<slug>/registrations")
class Registrations(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(RegistrationFilterSchema, location="query")
    @blp.response(200, RegistrationSchema(many=True))
    @blp.paginate(RosterPage)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, filters, slug):
        """The roster, filtered by status, role, organization, country or attendance."""
        return service.roster(current_actor(), slug, filters)

    @requires(Permission.MANAGE_ATTENDANCE)
    @idempotent
    @blp.arguments(RegistrationCreateSchema)
    @blp.response(201, RegistrationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Register a person: confirmed, pending approval, or waitlisted when full.
        Send an Idempotency-Key header to retry safely."""
        return service.register(current_actor(), slug, data)


@blp.route("/editions/<slug>/registrations/<int:registration_id>")
class RegistrationDetail(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, RegistrationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, registration_id):
        """Read a registration."""
        return service.get_registration(current_actor(), slug, registration_id)


def _status_route(name: str, action, doc: str):
    class StatusChange(MethodView):
        @requires(Permission.MANAGE_ATTENDANCE)
        @blp.response(200, RegistrationSchema)
        @blp.doc(security=BEARER_SECURITY, summary=doc)
        def post(self, slug, registration_id):
            return action(current_actor(), slug, registration_id)

    StatusChange.__name__ = f"Registration{name.capitalize()}"
    blp.route(f"/editions/<slug>/registrations/<int:registration_id>/{name}")(StatusChange)


_status_route("confirm", service.confirm, "Confirm a pending (or, with a free seat, "
              "waitlisted) registration")
_status_route("reject", service.reject, "Reject a pending or waitlisted registration")
_status_route("cancel", service.cancel, "Cancel a registration; the waiting list moves up")


@blp.route("/editions/<slug>/check-in")
class CheckIn(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(CheckInSchema)
    @blp.response(200, RegistrationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Check a confirmed registrant in by badge code (once)."""
        return service.check_in(current_actor(), slug, data["badge_code"])


@blp.route("/editions/<slug>/registration-counts")
class Counts(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, CountsSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug):
        """Counts by status, attendance, country or region and organization kind."""
        return service.counts(current_actor(), slug)


@blp.route("/editions/<slug>/delegations")
class Delegations(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, DelegationSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug):
        """Delegations with the state of their credentials."""
        return service.list_delegations(current_actor(), slug)


@blp.route("/editions/<slug>/delegations/<int:delegation_id>/credential")
class Credential(MethodView):
    @requires(Permission.READ_PRIVATE_CONTACTS)
    @blp.response(200, BINARY, description="The document as uploaded (PDF, PNG or JPEG)",
                  content_type="application/pdf")
    @also_returns(200, {"image/png": {"schema": BINARY}, "image/jpeg": {"schema": BINARY}})
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, delegation_id):
        """Download the delegation's credential document (organizers and admins)."""
        document = credentials.credential_document(current_actor(), slug, delegation_id)
        return Response(document.content, mimetype=document.content_type, headers={
            "Content-Disposition": credentials.content_disposition(document),
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@blp.route("/editions/<slug>/delegations/<int:delegation_id>/credential/review")
class CredentialReview(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.response(200, CredentialSummarySchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, delegation_id):
        """Mark the credential document reviewed, so members can be confirmed."""
        return credentials.review_credential(current_actor(), slug, delegation_id)
