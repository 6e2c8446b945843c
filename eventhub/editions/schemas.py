from __future__ import annotations

from marshmallow import fields, validate

from eventhub.directory.schemas import OrganizationBriefSchema, PersonPublicSchema
from eventhub.editions.models import EditionStatus, ParticipationRole
from eventhub.editions.service import recorded_counts
from eventhub.editions.words import EDITION_FIELDS, SERIES_FIELDS
from eventhub.i18n import N_
from eventhub.programme.models import Delivery, SpeechRole
from eventhub.schemas import (
    COUNTRY_CODE,
    InputSchema,
    MultiLineText,
    OutputSchema,
    QuerySchema,
    RowId,
    not_blank,
)
from eventhub.validation_messages import message

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                       error=message(N_("Use lowercase letters, digits and single hyphens."),
                                     code="validation.slug"))
KEY = validate.Regexp(r"^[a-z][a-z0-9_]*$",
                      error=message(N_("Use lowercase letters, digits and _."),
                                    code="validation.key"))
QUALIFIERS = ("about", "approximately", "more than", "over", "nearly", "almost", "at least",
              "up to", "less than")


def translations_output(words: list[str]) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "The words in other languages than English, by language: "
                                 f"{', '.join(words)} (a word without a value there is "
                                 "shown in English)",
                  "example": {"zh": {words[0]: "..."}}})


def translations_input(words: list[str]) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.Length(min=2, max=20)),
        values=fields.Dict(keys=fields.String(validate=validate.OneOf(words)),
                           values=fields.String(allow_none=True)),
        metadata={"description": "Words in other languages than English, by language (one "
                                 "of the languages offered): a value sets the word, null or "
                                 "an empty text removes it; words and languages not named "
                                 f"stay as they were. Words: {', '.join(words)}",
                  "example": {"zh": {words[0]: "..."}}})


class SeriesSchema(OutputSchema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    translations = translations_output(list(SERIES_FIELDS))


class SeriesCreateSchema(InputSchema):
    slug = fields.String(required=True, validate=[validate.Length(max=80), SLUG])
    name = fields.String(required=True, validate=[validate.Length(max=400), not_blank])
    description = MultiLineText(allow_none=True, validate=validate.Length(max=5000))
    translations = translations_input(list(SERIES_FIELDS))


class SeriesUpdateSchema(InputSchema):
    name = fields.String(validate=[validate.Length(max=400), not_blank])
    description = MultiLineText(allow_none=True, validate=validate.Length(max=5000))
    translations = translations_input(list(SERIES_FIELDS))


class ReportedFigureSchema(OutputSchema):
    key = fields.String(required=True)
    value = fields.Integer(required=True)
    qualifier = fields.String(allow_none=True)
    unit = fields.String(required=True)
    source_text = fields.String(allow_none=True)
    source_reference = fields.String(allow_none=True)
    position = fields.Integer()


class ReportedFigureCreateSchema(InputSchema):
    key = fields.String(required=True, validate=[validate.Length(max=60), KEY])
    value = fields.Integer(required=True, strict=True,
                           validate=validate.Range(min=0, max=2_000_000_000))
    qualifier = fields.String(allow_none=True, validate=validate.OneOf(QUALIFIERS))
    unit = fields.String(required=True, validate=[validate.Length(max=200), not_blank])
    source_text = MultiLineText(allow_none=True, validate=validate.Length(max=5000))
    source_reference = fields.String(allow_none=True, validate=validate.Length(max=200))
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))


class ReportedFigureUpdateSchema(ReportedFigureCreateSchema):
    value = fields.Integer(strict=True, validate=validate.Range(min=0, max=2_000_000_000))
    unit = fields.String(validate=[validate.Length(max=200), not_blank])

    class Meta(InputSchema.Meta):
        exclude = ("key",)


class RecordedCountsSchema(OutputSchema):
    organizations = fields.Integer(required=True)
    countries_and_regions = fields.Integer(required=True)
    speakers = fields.Integer(required=True)
    breakout_sessions = fields.Integer(required=True)


class EditionSummarySchema(OutputSchema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    series = fields.Pluck(SeriesSchema, "slug", required=True)
    ordinal = fields.Integer(required=True)
    title = fields.String(required=True)
    theme = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    country_code = fields.String(allow_none=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    status = fields.Enum(EditionStatus, by_value=True, required=True)
    translations = translations_output(list(EDITION_FIELDS))


class EditionSchema(EditionSummarySchema):
    host_organization = fields.Nested(
        OrganizationBriefSchema, attribute="host_as_shown", allow_none=True,
        metadata={"description": "Once the edition is archived: as it was then"})
    venue = fields.String(allow_none=True)
    time_zone = fields.String(required=True)
    capacity = fields.Integer(allow_none=True)
    requires_approval = fields.Boolean(required=True)
    figures = fields.List(fields.Nested(ReportedFigureSchema), required=True,
                          metadata={"description": "Numbers as the record reports them"})
    recorded = fields.Function(
        lambda edition: RecordedCountsSchema().dump(recorded_counts(edition)),
        metadata={"description": "Counts of records held here, as opposed to figures"})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class EditionCreateSchema(InputSchema):
    series = fields.String(required=True, metadata={"description": "Series slug"})
    ordinal = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    slug = fields.String(required=True, validate=[validate.Length(max=80), SLUG])
    title = fields.String(required=True, validate=[validate.Length(max=400), not_blank])
    theme = fields.String(allow_none=True, validate=validate.Length(max=2000))
    host_organization_id = RowId(allow_none=True)
    city = fields.String(allow_none=True, validate=validate.Length(max=120))
    region = fields.String(allow_none=True, validate=validate.Length(max=120))
    country_code = fields.String(allow_none=True, validate=COUNTRY_CODE)
    venue = fields.String(allow_none=True, validate=validate.Length(max=300))
    time_zone = fields.String(required=True, validate=validate.Length(max=64),
                              metadata={"example": "Asia/Shanghai"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    capacity = fields.Integer(allow_none=True, strict=True,
                              validate=validate.Range(min=0, max=1_000_000))
    requires_approval = fields.Boolean(
        load_default=False,
        metadata={"description": "Registrations wait for an organizer to confirm them"})
    translations = translations_input(list(EDITION_FIELDS))


class EditionUpdateSchema(EditionCreateSchema):
    """Used with partial=True: every field optional, series fixed for good."""

    class Meta(InputSchema.Meta):
        exclude = ("series",)


class EditionStatusChangeSchema(InputSchema):
    status = fields.Enum(EditionStatus, by_value=True, required=True)


class EditionFilterSchema(QuerySchema):
    status = fields.Enum(EditionStatus, by_value=True)
    series = fields.String()
    year = fields.Integer(validate=validate.Range(min=1, max=9999))
    country_code = fields.String(validate=COUNTRY_CODE)


class ParticipationCreateSchema(InputSchema):
    organization_id = RowId(required=True, strict=True)
    role = fields.Enum(ParticipationRole, by_value=True,
                       load_default=ParticipationRole.PARTICIPANT)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))


class ParticipatingOrganizationSchema(OutputSchema):
    organization = fields.Nested(OrganizationBriefSchema, required=True)
    role = fields.String(required=True)


class PersonRoleSchema(OutputSchema):
    role = fields.String(required=True, metadata={
        "description": "A speech role on a programme item, or head_of_delegation",
        "enum": [*[r.value for r in SpeechRole], "head_of_delegation"]})
    programme_item_id = RowId(allow_none=True)
    programme_item_title = fields.String(allow_none=True)
    delivery = fields.Enum(Delivery, by_value=True, allow_none=True)


class ParticipatingPersonSchema(OutputSchema):
    person = fields.Nested(PersonPublicSchema, required=True)
    roles = fields.List(fields.Nested(PersonRoleSchema), required=True)


class ParticipantsSchema(OutputSchema):
    edition = fields.String(required=True)
    organizations = fields.List(fields.Nested(ParticipatingOrganizationSchema), required=True)
    people = fields.List(fields.Nested(ParticipatingPersonSchema), required=True)
