"""Visa support letters over HTTP: passport details per registration (organizers, and the
focal point through the invitation link) and the letter as a PDF.

Passport details are write-only except for GET by organizers and admins: PUT answers with
a receipt, never the details, and every response carrying them is marked no-store.
"""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import fields

from eventhub.auth.permissions import Permission
from eventhub.http import BEARER_SECURITY, Blueprint, current_actor, requires
from eventhub.invitations.api import public_token_route
from eventhub.openapi import BINARY
from eventhub.registrations import visa
from eventhub.schemas import InputSchema, OutputSchema, RowId

NO_STORE = {"Cache-Control": "no-store"}

blp = Blueprint("visa", __name__, url_prefix="/api/v1",
                description="Visa support letters: passport details (encrypted at rest, "
                            "organizers and admins only) and the letter PDF")


class VisaDetailsInputSchema(InputSchema):
    passport_number = fields.String(
        required=True, metadata={"description": "5-20 characters, A-Z and 0-9"})
    nationality = fields.String(
        required=True, metadata={"description": "ISO 3166-1 alpha-2 code, e.g. CN"})
    date_of_birth = fields.Date(required=True)
    passport_expiry = fields.Date(
        required=True, metadata={"description": "After the last day of the edition"})


class VisaReceiptSchema(OutputSchema):
    """What a PUT answers: that details are on file, not what they are."""

    registration_id = RowId(attribute="id", required=True)
    full_name = fields.String(attribute="person.full_name", required=True)
    needs_visa_letter = fields.Boolean(required=True)
    passport_details_received = fields.Function(
        lambda registration: registration.visa_request is not None, required=True,
        metadata={"type": "boolean"})
    letter_issued_at = fields.Function(
        lambda registration: (registration.visa_request.letter_issued_at.isoformat()
                              if registration.visa_request is not None
                              and registration.visa_request.letter_issued_at else None),
        allow_none=True, metadata={"type": "string", "format": "date-time"})


class VisaDetailsSchema(OutputSchema):
    registration_id = RowId(required=True)
    full_name = fields.String(required=True)
    passport_number = fields.String(required=True)
    nationality = fields.String(required=True)
    nationality_name = fields.String(required=True)
    date_of_birth = fields.Date(required=True)
    passport_expiry = fields.Date(required=True)
    letter_issued_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


@blp.route("/editions/<slug>/registrations/<int:registration_id>/visa")
class VisaRequestDetail(MethodView):
    @requires(Permission.READ_PRIVATE_CONTACTS)
    @blp.response(200, VisaDetailsSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, registration_id):
        """Read the passport details and when the letter was issued (organizers, admins)."""
        return visa.read_details(current_actor(), slug, registration_id), 200, NO_STORE

    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(VisaDetailsInputSchema)
    @blp.response(200, VisaReceiptSchema)
    @blp.doc(security=BEARER_SECURITY)
    def put(self, data, slug, registration_id):
        """Enter or replace the passport details; the registration then needs a letter.
        Replacing them voids a letter issued before."""
        return visa.submit_details(current_actor(), slug, registration_id, data), 200, NO_STORE

    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, registration_id):
        """Erase the passport details (also on archived editions)."""
        visa.erase(current_actor(), slug, registration_id)


@blp.route("/editions/<slug>/registrations/<int:registration_id>/visa/letter")
class VisaLetter(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.response(200, BINARY, description="The visa support letter",
                  content_type="application/pdf")
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, registration_id):
        """Issue the visa support letter of a confirmed registration, as a PDF."""
        pdf = visa.issue_letter(current_actor(), slug, registration_id)
        filename = f"visa-support-letter-{slug}-{registration_id}.pdf"
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff", **NO_STORE})


@blp.route("/rsvp/<token>/members/<int:registration_id>/visa")
class FocalPointVisa(MethodView):
    @public_token_route
    @blp.arguments(VisaDetailsInputSchema)
    @blp.response(200, VisaReceiptSchema)
    def put(self, data, token, registration_id):
        """The focal point enters passport details for a member of their delegation
        (no account: the invitation link is the key)."""
        registration = visa.submit_details_by_focal_point(token, registration_id, data)
        return registration, 200, NO_STORE
