"""Spreadsheets over HTTP: the roster as a CSV download, registrations from a CSV upload."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from marshmallow import fields

from eventhub.auth.permissions import Permission
from eventhub.errors import DomainError, Unprocessable
from eventhub.http import BEARER_SECURITY, Blueprint, current_actor, requires
from eventhub.i18n import N_
from eventhub.idempotency import idempotent
from eventhub.registrations import spreadsheets
from eventhub.registrations.schemas import RegistrationFilterSchema, RegistrationSchema
from eventhub.schemas import OutputSchema

blp = Blueprint("spreadsheets", __name__, url_prefix="/api/v1",
                description="Registrations as spreadsheets: roster export, CSV import "
                            "(organizers)")

CSV_TYPES = frozenset({"text/csv", "application/csv"})
_COLUMNS_DOC = (
    "CSV, comma, semicolon or tab separated, in UTF-8 (a byte order mark is fine), UTF-16 "
    "with a byte order mark (Excel's \"Unicode Text\") or Windows-1252 (Excel's older "
    "\"CSV (Comma delimited)\" of Western European systems); any other encoding is "
    "refused (422 `import.unknown_encoding`, with the line and the format to save as). "
    "The first line names the columns: full_name, email and role are required; position, "
    "organization_id or organization (the directory name; country_code tells apart "
    "organizations of the same name), attendance (in_person | video), needs_visa_letter "
    "(yes | no), dietary and accessibility are optional. Other columns (such as the "
    "status, ids and times of the roster export, which imports as it is) are ignored and "
    "listed in `ignored_columns`; the apostrophe the export puts before a cell starting "
    "with = + - or @ is taken off. At most "
    f"{spreadsheets.MAX_IMPORT_ROWS} rows. The file is checked as a whole: any problem "
    "is reported (422, each error with its line and column) and nothing is imported.")
IMPORT_REQUEST_BODY = {
    "required": True,
    "description": _COLUMNS_DOC,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": "full_name,email,role,organization,attendance\r\n"
                       "Li Wei,li.wei@example.org,delegate,Ministry of Public Security,"
                       "in_person\r\n",
        },
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["file"],
                       "properties": {"file": {"type": "string", "format": "binary",
                                               "description": "The CSV file"}}},
        },
    },
}


class UnsupportedMediaType(DomainError):
    status = 415
    title = N_("Unsupported media type")
    default_code = "unsupported_media_type"


class ImportResultSchema(OutputSchema):
    imported = fields.Integer(required=True)
    registrations = fields.List(fields.Nested(RegistrationSchema), required=True)
    ignored_columns = fields.List(
        fields.String(), required=True,
        metadata={"description": "Columns of the header that were not read, as the file "
                                 "names them (e.g. the status, ids and times of a roster "
                                 "export)"})
    encoding = fields.String(
        required=True, metadata={"description": "The encoding the file was read in",
                                 "enum": ["UTF-8", "UTF-16", "Windows-1252"]})
    notices = fields.List(
        fields.String(), required=True,
        metadata={"description": "What the importer should know although nothing was "
                                 "wrong (ignored columns, a legacy encoding), in the "
                                 "request's language"})


def _uploaded_file() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Unprocessable(N_("Send the CSV file in the multipart field “file”."),
                                code="upload.missing_file",
                                errors=[{"field": "file", "location": "files",
                                         "message": N_("Missing file."),
                                         "code": "upload.missing_file"}])
        data = upload.read()
    elif request.mimetype in CSV_TYPES:
        data = request.get_data()
    else:
        if request.mimetype:
            raise UnsupportedMediaType(
                N_("Send the CSV as a text/csv body or as the multipart field “file”, not "
                   "%(media_type)s."), media_type=request.mimetype)
        raise UnsupportedMediaType(N_("Send the CSV as a text/csv body or as the multipart "
                                      "field “file”, not an untyped body."))
    return data


@blp.route("/editions/<slug>/registrations.csv")
class RosterCsv(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(RegistrationFilterSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/csv",
                  description="The roster as CSV (UTF-8 with a byte order mark)",
                  headers={"Content-Disposition": {
                      "description": 'attachment; filename="<slug>-registrations.csv"',
                      "schema": {"type": "string"}}})
    @blp.doc(security=BEARER_SECURITY)
    def get(self, filters, slug):
        """Download the roster as a spreadsheet, with the filters of the roster list.
        E-mail and needs are included only for roles that may read contact details."""
        text = spreadsheets.export_roster_csv(current_actor(), slug, filters)
        return Response(text.encode("utf-8"), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{slug}-registrations.csv"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@blp.route("/editions/<slug>/registrations/import")
class RegistrationImport(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @idempotent
    @blp.response(201, ImportResultSchema)
    @blp.doc(security=BEARER_SECURITY, requestBody=IMPORT_REQUEST_BODY)
    def post(self, slug):
        """Register everyone in a CSV file, in file order (capacity and the waiting list
        apply row by row), or nobody if any row has a problem. Send an Idempotency-Key
        header to retry safely."""
        result = spreadsheets.import_registrations_csv(current_actor(), slug,
                                                       _uploaded_file())
        return {"imported": len(result.registrations),
                "registrations": result.registrations,
                "ignored_columns": result.ignored_columns, "encoding": result.encoding,
                "notices": result.notices}
