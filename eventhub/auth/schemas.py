from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from eventhub.auth.models import Role
from eventhub.i18n import _, available_locales
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


def _offered_language(value: str | None) -> None:
    if value is not None and value not in available_locales():
        raise ValidationError(_("Choose one of the languages offered: %(languages)s.",
                                languages=", ".join(available_locales())))


class OwnSettingsSchema(InputSchema):
    language = fields.String(required=True, allow_none=True, validate=_offered_language,
                             metadata={"description": "A language code from the offered "
                                       "ones (en, zh, ...); null follows the browser's "
                                       "Accept-Language."})


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
