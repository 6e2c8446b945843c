from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from eventhub.http import current_actor
from eventhub.programme import service
from eventhub.programme.schemas import ProgrammeFilterSchema, ProgrammeItemSchema

blp = Blueprint("programme", __name__, url_prefix="/api/v1",
                description="Programme items and their speakers")


@blp.route("/editions/<slug>/programme")
class Programme(MethodView):
    @blp.arguments(ProgrammeFilterSchema, location="query")
    @blp.response(200, ProgrammeItemSchema(many=True))
    def get(self, filters, slug):
        """The programme in order, speakers in running order. Public once the edition
        is no longer a draft; unknown times and rooms are null."""
        return service.programme(current_actor(), slug, filters)
