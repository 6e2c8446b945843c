from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from eventhub.audit import service
from eventhub.auth.permissions import Permission
from eventhub.http import BEARER_SECURITY, Blueprint, SelectPage, current_actor, requires
from eventhub.schemas import OutputSchema, QuerySchema, RowId

blp = Blueprint("audit", __name__, url_prefix="/api/v1",
                description="The audit trail of every change (admins; read-only)")


class AuditEntrySchema(OutputSchema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    actor_user_id = RowId(allow_none=True)
    actor_label = fields.String(required=True)
    request_id = fields.String(allow_none=True)
    action = fields.String(required=True)
    table_name = fields.String(required=True)
    object_id = fields.String(required=True)
    edition_id = RowId(allow_none=True)
    changes = fields.Dict(required=True, metadata={
        "description": "Per field: before and/or after. Personal and secret fields say "
                       "only that they changed."})


class AuditFilterSchema(QuerySchema):
    edition = fields.String(metadata={"description": "Edition slug"})
    table = fields.String()
    object_id = fields.String()
    action = fields.String(validate=validate.OneOf(["insert", "update", "delete"]))
    actor_user_id = RowId()


@blp.route("/audit")
class Audit(MethodView):
    @requires(Permission.MANAGE_USERS)
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, filters):
        """Who changed what and when, filtered by edition, table, object or action."""
        return service.list_entries(current_actor(), filters)
