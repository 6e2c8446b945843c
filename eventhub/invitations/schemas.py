from __future__ import annotations

from marshmallow import fields, post_dump, validate

from eventhub.auth.permissions import Permission
from eventhub.directory.schemas import OrganizationBriefSchema
from eventhub.http import current_actor
from eventhub.invitations.models import InvitationStatus
from eventhub.registrations.models import Attendance, RegistrationRole, RegistrationStatus
from eventhub.schemas import (
    COUNTRY_CODE,
    LANGUAGE,
    InputSchema,
    MultiLineText,
    OutputSchema,
    QuerySchema,
    RowId,
    not_blank,
)


class InvitationSchema(OutputSchema):
    id = fields.Integer(required=True)
    organization = fields.Nested(OrganizationBriefSchema, attribute="organization_as_shown",
                                 required=True)
    focal_point_name = fields.String(allow_none=True)
    focal_point_email = fields.String(allow_none=True)
    focal_point_language = fields.String(required=True)
    quota = fields.Integer(allow_none=True)
    deadline = fields.AwareDateTime(allow_none=True)
    status = fields.Enum(InvitationStatus, by_value=True, required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()

    @post_dump
    def _hide_focal_point(self, data, **kwargs):
        # A focal point's name and address are private contacts.
        if not current_actor().can(Permission.READ_PRIVATE_CONTACTS):
            data.pop("focal_point_name", None)
            data.pop("focal_point_email", None)
        return data


class InvitationCreateSchema(InputSchema):
    organization_id = RowId(required=True, strict=True)
    focal_point_name = fields.String(required=True, validate=[validate.Length(max=300),
                                                              not_blank])
    focal_point_email = fields.Email(required=True, validate=validate.Length(max=254))
    focal_point_language = fields.String(load_default="en", validate=LANGUAGE)
    quota = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=200))
    deadline = fields.AwareDateTime(required=True)


class InvitationUpdateSchema(InputSchema):
    focal_point_name = fields.String(validate=[validate.Length(max=300), not_blank])
    focal_point_email = fields.Email(validate=validate.Length(max=254))
    focal_point_language = fields.String(validate=LANGUAGE)
    quota = fields.Integer(strict=True, validate=validate.Range(min=1, max=200))
    deadline = fields.AwareDateTime()


class BulkEntrySchema(InputSchema):
    organization_id = RowId(required=True, strict=True)
    focal_point_name = fields.String(required=True, validate=[validate.Length(max=300),
                                                              not_blank])
    focal_point_email = fields.Email(required=True, validate=validate.Length(max=254))
    focal_point_language = fields.String(validate=LANGUAGE)
    quota = fields.Integer(strict=True, validate=validate.Range(min=1, max=200))
    deadline = fields.AwareDateTime()


class BulkDefaultsSchema(InputSchema):
    focal_point_language = fields.String(load_default="en", validate=LANGUAGE)
    quota = fields.Integer(strict=True, validate=validate.Range(min=1, max=200))
    deadline = fields.AwareDateTime()


class BulkInvitationsSchema(InputSchema):
    defaults = fields.Nested(BulkDefaultsSchema, load_default=dict)
    invitations = fields.List(fields.Nested(BulkEntrySchema), required=True,
                              validate=validate.Length(min=1, max=500))


class InvitationFilterSchema(QuerySchema):
    status = fields.Enum(InvitationStatus, by_value=True)
    country_code = fields.String(validate=COUNTRY_CODE)


class MemberSchema(InputSchema):
    full_name = fields.String(required=True, validate=[validate.Length(max=300), not_blank])
    position = fields.String(allow_none=True, validate=validate.Length(max=2000))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.Enum(RegistrationRole, by_value=True, required=True)
    # Left out when amending: the member keeps what was recorded (new members: in person,
    # no visa letter).
    attendance = fields.Enum(Attendance, by_value=True)
    needs_visa_letter = fields.Boolean()
    dietary = MultiLineText(allow_none=True, validate=validate.Length(max=1000))
    accessibility = MultiLineText(allow_none=True, validate=validate.Length(max=1000))


class DelegationInputSchema(InputSchema):
    members = fields.List(fields.Nested(MemberSchema), required=True,
                          validate=validate.Length(min=1, max=200))


class MemberOutputSchema(OutputSchema):
    registration_id = RowId(attribute="id", required=True)
    full_name = fields.String(attribute="person_as_shown.full_name", required=True)
    position = fields.String(attribute="person_as_shown.position", allow_none=True)
    email = fields.String(attribute="person.email", allow_none=True)
    role = fields.Enum(RegistrationRole, by_value=True, required=True)
    attendance = fields.Enum(Attendance, by_value=True, required=True)
    status = fields.Enum(RegistrationStatus, by_value=True, required=True)
    needs_visa_letter = fields.Boolean(required=True)
    dietary = fields.String(allow_none=True)
    accessibility = fields.String(allow_none=True)


class CredentialStatusSchema(OutputSchema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    uploaded_at = fields.AwareDateTime(required=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)


class FocalPointViewSchema(OutputSchema):
    """What the focal point sees through the response link."""

    edition = fields.Dict(required=True)
    organization = fields.Nested(OrganizationBriefSchema, required=True)
    focal_point_name = fields.String(required=True)
    quota = fields.Integer(required=True)
    deadline = fields.AwareDateTime(required=True)
    status = fields.Enum(InvitationStatus, by_value=True, required=True)
    members = fields.List(fields.Nested(MemberOutputSchema), required=True)
    credential = fields.Nested(CredentialStatusSchema, allow_none=True)
