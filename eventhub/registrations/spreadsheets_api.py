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
    "UTF-8 CSV (a byte order mark is fine; comma, semicolon or tab separated). The first "
    "line names the columns: full_name, email and role are required; position, "
    "organization_id or organization (the directory name), attendance (in_person | "
    "video), needs_visa_letter (yes | no), dietary and accessibility are optional. At most "
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


def _uploaded_text() -> str:
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
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(
            N_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."),
            code="import.not_utf8",
            errors=[{"field": "_file", "location": "csv",
                     "message": N_("Not UTF-8 (byte %(byte)s cannot be decoded)."),
                     "code": "import.not_utf8", "params": {"byte": exc.start + 1}}]
        ) from exc


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
        registrations = spreadsheets.import_registrations_csv(current_actor(), slug,
                                                              _uploaded_text())
        return {"imported": len(registrations), "registrations": registrations}
