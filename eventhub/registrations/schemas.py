from __future__ import annotations

from typing import Any

from marshmallow import fields, post_dump, pre_dump, validate
from marshmallow.utils import get_value

from eventhub.auth.permissions import Permission
from eventhub.directory.schemas import OrganizationBriefSchema
from eventhub.editions import snapshot
from eventhub.http import current_actor
from eventhub.registrations.models import Attendance, RegistrationRole, RegistrationStatus
from eventhub.schemas import (
    COUNTRY_CODE,
    InputSchema,
    MultiLineText,
    OutputSchema,
    QuerySchema,
    RowId,
    not_blank,
)

PRIVATE_FIELDS = ("email", "needs_visa_letter", "dietary", "accessibility")
# The fields read from the registrant as the edition shows them (Registration.person_as_shown).
AS_SHOWN = "person_as_shown."


class _Row:
    """A registration being dumped, with what its fields read more than once: the
    registrant as the edition shows them, and the organizations already dumped in the
    same list (shared by its rows)."""

    __slots__ = ("organizations", "person_as_shown", "registration")

    def __init__(self, registration: Any, person_as_shown: Any,
                 organizations: dict[int, dict]) -> None:
        self.registration = registration
        self.person_as_shown = person_as_shown
        self.organizations = organizations


class _OrganizationOncePerList(fields.Nested):
    """The registrant's organization, dumped once per list: the rows of a roster name the
    same organizations over and over. Each row gets its own copy of the dump."""

    def _serialize(self, nested_obj: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if nested_obj is None:
            return None
        # The objects stay alive (in the session or the snapshot) for the whole dump:
        # their identity tells them apart, whichever edition shows them how.
        dumped = obj.organizations.get(id(nested_obj))
        if dumped is None:
            dumped = obj.organizations[id(nested_obj)] = super()._serialize(
                nested_obj, attr, obj, **kwargs)
        return dict(dumped)


class RegistrationSchema(OutputSchema):
    id = fields.Integer(required=True)
    person_id = RowId(required=True)
    full_name = fields.String(attribute="person_as_shown.full_name", required=True)
    position = fields.String(attribute="person_as_shown.position", allow_none=True)
    organization = _OrganizationOncePerList(OrganizationBriefSchema,
                                            attribute="person_as_shown.organization",
                                            allow_none=True)
    delegation_id = RowId(allow_none=True)
    role = fields.Enum(RegistrationRole, by_value=True, required=True)
    status = fields.Enum(RegistrationStatus, by_value=True, required=True)
    attendance = fields.Enum(Attendance, by_value=True, required=True)
    badge_code = fields.String(allow_none=True)
    checked_in_at = fields.AwareDateTime(allow_none=True)
    waitlisted_at = fields.AwareDateTime(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    email = fields.String(attribute="person.email", allow_none=True)
    needs_visa_letter = fields.Boolean()
    dietary = fields.String(allow_none=True)
    accessibility = fields.String(allow_none=True)

    @pre_dump(pass_collection=True)
    def _show_people_once(self, data, many, **kwargs):
        # Three fields read the registrant as the edition shows them: each row's person is
        # looked up once, not once per field, and how the edition shows its people once
        # for the whole list.
        registrations = list(data) if many else [data]
        organizations: dict[int, dict] = {}
        rows = [_Row(registration, person, organizations) for registration, person in zip(
            registrations, snapshot.people_of_registrations(registrations), strict=True)]
        return rows if many else rows[0]

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr.startswith(AS_SHOWN):
            return get_value(obj.person_as_shown, attr[len(AS_SHOWN):], default)
        if "." in attr:
            return get_value(obj.registration, attr, default)
        # A registration is an object, not a mapping: marshmallow's own accessor would
        # first try registration[attr] on every field.
        return getattr(obj.registration, attr, default)

    @post_dump(pass_collection=True)
    def _hide_private_fields(self, data, many, **kwargs):
        # Contact details and needs: organizers and admins only. Decided once for a list.
        if not current_actor().can(Permission.READ_PRIVATE_CONTACTS):
            for row in data if many else [data]:
                for field in PRIVATE_FIELDS:
                    row.pop(field, None)
        return data


class RegistrationCreateSchema(InputSchema):
    person_id = RowId(strict=True, allow_none=True)
    full_name = fields.String(validate=[validate.Length(max=300), not_blank])
    position = fields.String(allow_none=True, validate=validate.Length(max=2000))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    organization_id = RowId(strict=True, allow_none=True)
    delegation_id = RowId(strict=True, allow_none=True)
    role = fields.Enum(RegistrationRole, by_value=True, required=True)
    attendance = fields.Enum(Attendance, by_value=True, load_default=Attendance.IN_PERSON)
    needs_visa_letter = fields.Boolean(load_default=False)
    dietary = MultiLineText(allow_none=True, validate=validate.Length(max=1000))
    accessibility = MultiLineText(allow_none=True, validate=validate.Length(max=1000))


class RegistrationFilterSchema(QuerySchema):
    status = fields.Enum(RegistrationStatus, by_value=True)
    role = fields.Enum(RegistrationRole, by_value=True)
    organization_id = RowId()
    country_code = fields.String(validate=COUNTRY_CODE)
    attendance = fields.Enum(Attendance, by_value=True)


class CheckInSchema(InputSchema):
    badge_code = fields.String(required=True, validate=validate.Length(min=4, max=16))


class CountsSchema(OutputSchema):
    edition = fields.String(required=True)
    capacity = fields.Integer(allow_none=True)
    seats_taken = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    confirmed_by_attendance = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                          required=True)
    checked_in = fields.Integer(required=True)
    confirmed_countries_and_regions = fields.Integer(required=True)
    confirmed_by_country = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                       required=True)
    confirmed_by_organization_kind = fields.Dict(keys=fields.String(),
                                                 values=fields.Integer(), required=True)


class DelegationSchema(OutputSchema):
    id = fields.Integer(required=True)
    organization = fields.Nested(OrganizationBriefSchema, attribute="organization_as_shown",
                                 required=True)
    invitation_id = RowId(allow_none=True)
    credential = fields.Nested("CredentialSummarySchema", allow_none=True)


class CredentialSummarySchema(OutputSchema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.AwareDateTime(required=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
