from __future__ import annotations

from marshmallow import fields, validate

from eventhub.directory.schemas import OrganizationBriefSchema
from eventhub.editions.schemas import (
    COUNTRY_CODE,
    SLUG,
    RecordedCountsSchema,
    ReportedFigureSchema,
)
from eventhub.schemas import InputSchema, OutputSchema, QuerySchema, RowId, not_blank


class OrganizationParticipationSchema(OutputSchema):
    organization = fields.Nested(OrganizationBriefSchema, required=True)
    editions = fields.List(fields.String(), required=True)


class CountryParticipationSchema(OutputSchema):
    country_code = fields.String(required=True)
    country_name = fields.String(allow_none=True)
    editions = fields.List(fields.String(), required=True)


class ParticipationHistorySchema(OutputSchema):
    editions = fields.List(fields.String(), required=True)
    organizations = fields.List(fields.Nested(OrganizationParticipationSchema), required=True)
    countries_and_regions = fields.List(fields.Nested(CountryParticipationSchema),
                                        required=True)


class SpeakerBriefSchema(OutputSchema):
    full_name = fields.String(required=True)
    role = fields.String(required=True)


class OrganizationEditionSchema(OutputSchema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    start_date = fields.Date(required=True)
    role = fields.String(required=True)
    speakers = fields.List(fields.Nested(SpeakerBriefSchema), required=True)


class OrganizationHistorySchema(OutputSchema):
    organization = fields.Nested(OrganizationBriefSchema, required=True)
    editions = fields.List(fields.Nested(OrganizationEditionSchema), required=True)


class EditionFiguresSchema(OutputSchema):
    edition = fields.String(required=True)
    ordinal = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    reported = fields.List(fields.Nested(ReportedFigureSchema), required=True)
    recorded = fields.Nested(RecordedCountsSchema, required=True)


class NextEditionSchema(InputSchema):
    slug = fields.String(required=True, validate=[validate.Length(max=80), SLUG])
    title = fields.String(required=True, validate=[validate.Length(max=400), not_blank])
    theme = fields.String(allow_none=True, validate=validate.Length(max=2000))
    host_organization_id = RowId(allow_none=True, strict=True)
    city = fields.String(allow_none=True, validate=validate.Length(max=120))
    region = fields.String(allow_none=True, validate=validate.Length(max=120))
    country_code = fields.String(allow_none=True, validate=COUNTRY_CODE)
    venue = fields.String(allow_none=True, validate=validate.Length(max=300))
    time_zone = fields.String(validate=validate.Length(max=64))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    capacity = fields.Integer(allow_none=True, strict=True,
                              validate=validate.Range(min=0, max=1_000_000))


class ExportQuerySchema(QuerySchema):
    include_personal = fields.Boolean(load_default=False, metadata={
        "description": "Include contact details, needs, focal points and credential files"})


class AnonymizeReportSchema(OutputSchema):
    people_anonymized = fields.Integer(required=True)
    contacts_removed = fields.Integer(required=True)
    visa_requests_removed = fields.Integer(required=True)
    credentials_removed = fields.Integer(required=True)
    focal_points_removed = fields.Integer(required=True)
