from __future__ import annotations

from marshmallow import fields, post_dump, validate

from eventhub.auth.permissions import Permission
from eventhub.directory.models import OrganizationKind
from eventhub.http import current_actor
from eventhub.schemas import COUNTRY_CODE, InputSchema, OutputSchema, QuerySchema, RowId, not_blank


class OrganizationBriefSchema(OutputSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    acronym = fields.String(allow_none=True)
    kind = fields.Enum(OrganizationKind, by_value=True, required=True)
    country_code = fields.String(allow_none=True)
    country_name = fields.String(allow_none=True)


class OrganizationSchema(OrganizationBriefSchema):
    parent_id = RowId(allow_none=True)
    website = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class OrganizationCreateSchema(InputSchema):
    name = fields.String(required=True, validate=[validate.Length(max=300), not_blank])
    kind = fields.Enum(OrganizationKind, by_value=True, required=True)
    acronym = fields.String(allow_none=True, validate=validate.Length(max=40))
    country_code = fields.String(allow_none=True, validate=COUNTRY_CODE)
    country_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    parent_id = RowId(allow_none=True)
    website = fields.Url(allow_none=True, validate=validate.Length(max=500))


class OrganizationUpdateSchema(OrganizationCreateSchema):
    name = fields.String(validate=[validate.Length(max=300), not_blank])
    kind = fields.Enum(OrganizationKind, by_value=True)


class OrganizationFilterSchema(QuerySchema):
    kind = fields.Enum(OrganizationKind, by_value=True)
    country_code = fields.String(validate=COUNTRY_CODE)
    parent_id = RowId()
    q = fields.String(metadata={"description": "Text in the name or acronym"})


class PersonPublicSchema(OutputSchema):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    honorific = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    organization = fields.Nested(OrganizationBriefSchema, allow_none=True)


class PersonSchema(PersonPublicSchema):
    """Staff view of a person. Contact fields are dropped from the output unless the
    caller's role may read private contact details."""

    organization_id = RowId(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()

    @post_dump
    def _hide_private_contacts(self, data, **kwargs):
        if not current_actor().can(Permission.READ_PRIVATE_CONTACTS):
            data.pop("email", None)
            data.pop("phone", None)
        return data


class PersonCreateSchema(InputSchema):
    full_name = fields.String(required=True, validate=[validate.Length(max=300), not_blank])
    honorific = fields.String(allow_none=True, validate=validate.Length(max=60))
    position = fields.String(allow_none=True, validate=validate.Length(max=2000))
    organization_id = RowId(allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=60))


class PersonUpdateSchema(PersonCreateSchema):
    full_name = fields.String(validate=[validate.Length(max=300), not_blank])


class PersonFilterSchema(QuerySchema):
    organization_id = RowId()
    q = fields.String(metadata={"description": "Text in the name or position"})


class MergeSchema(InputSchema):
    duplicate_id = RowId(required=True, strict=True, metadata={
        "description": "The duplicate entry: its references move to the entry addressed, "
                       "then it is deleted"})


class _MergeResultSchema(OutputSchema):
    moved = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": "How many rows of each kind now point at "
                                                 "the entry kept",
                                  "example": {"invitations": 1, "people": 2}})


class OrganizationMergeResultSchema(_MergeResultSchema):
    kept = fields.Nested(OrganizationSchema, required=True)


class PersonMergeResultSchema(_MergeResultSchema):
    kept = fields.Nested(PersonSchema, required=True)
