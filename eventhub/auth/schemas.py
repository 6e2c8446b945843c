from __future__ import annotations

from marshmallow import fields, validate

from eventhub.auth.models import Role
from eventhub.schemas import InputSchema, OutputSchema, Secret, not_blank


class TokenRequestSchema(InputSchema):
    email = fields.Email(required=True)
    password = Secret(required=True, load_only=True)


class TokenSchema(OutputSchema):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PasswordChangeSchema(InputSchema):
    current_password = Secret(required=True, load_only=True,
                                     validate=validate.Length(max=512))
    new_password = Secret(required=True, load_only=True,
                                 validate=validate.Length(max=512))


class UserSchema(OutputSchema):
    id = fields.Integer(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    language = fields.String(required=True, allow_none=True, metadata={
        "description": "The language of the user's pages; null follows the browser."})


class OwnSettingsSchema(InputSchema):
    # Which languages are offered is the running app's (its catalogs): the service checks.
    language = fields.String(
        required=True, allow_none=True, validate=validate.Length(max=16),
        metadata={"description": "A language code from the offered ones (en, zh, ...); "
                                 "null follows the browser's Accept-Language."})


class UserCreateSchema(InputSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=[validate.Length(max=200), not_blank])
    role = fields.Enum(Role, by_value=True, required=True)
    password = Secret(required=True, load_only=True, validate=validate.Length(max=512))


class UserUpdateSchema(InputSchema):
    name = fields.String(validate=[validate.Length(max=200), not_blank])
    role = fields.Enum(Role, by_value=True)
    is_active = fields.Boolean()
    password = Secret(load_only=True, validate=validate.Length(max=512))
