from __future__ import annotations

from flask import Response
from flask.views import MethodView

from eventhub.auth.permissions import Permission
from eventhub.http import BEARER_SECURITY, Blueprint, current_actor, requires
from eventhub.invitations.api import public_token_route
from eventhub.openapi import TEXT
from eventhub.programme import ical, service
from eventhub.programme.schemas import (
    AgendaSchema,
    CancelSchema,
    ChangelogQuerySchema,
    ChangelogSchema,
    DelegationSignupSchema,
    ExhibitorCreateSchema,
    ExhibitorSchema,
    ExhibitorUpdateSchema,
    ItemCreateSchema,
    ItemUpdateSchema,
    ProgrammeFilterSchema,
    ProgrammeItemSchema,
    ProgrammeSchema,
    PublishSchema,
    SessionAttendanceSchema,
    SignupOutputSchema,
    SignupSchema,
    SpeechCreateSchema,
    SpeechSchema,
    SpeechUpdateSchema,
    VersionSchema,
)

blp = Blueprint("programme", __name__, url_prefix="/api/v1",
                description="Programme items, speakers, sessions, exhibitors and versions")

ICS_MIME = "text/calendar"


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(body, mimetype=ICS_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/editions/<slug>/programme")
class Programme(MethodView):
    @blp.arguments(ProgrammeFilterSchema, location="query")
    @blp.response(200, ProgrammeSchema)
    def get(self, filters, slug):
        """The published programme (public once the edition is not a draft), speakers in
        running order; `version=draft` shows organizers the working copy. Unknown times
        and rooms are null."""
        return service.programme(current_actor(), slug, filters)


@blp.route("/editions/<slug>/programme.ics")
class ProgrammeCalendar(MethodView):
    @blp.response(200, TEXT, description="iCalendar (RFC 5545)", content_type=ICS_MIME)
    def get(self, slug):
        """The published programme as an iCalendar file."""
        edition, entries = service.programme_calendar(current_actor(), slug)
        return _ics_response(ical.calendar(edition, entries, edition.title), f"{slug}.ics")


@blp.route("/editions/<slug>/programme/items")
class Items(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ProgrammeItemSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Add an item to the working copy; a room double-booking is refused (409)."""
        return service.create_item(current_actor(), slug, data)


@blp.route("/editions/<slug>/programme/items/<int:item_id>")
class ItemDetail(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ItemUpdateSchema(partial=True))
    @blp.response(200, ProgrammeItemSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug, item_id):
        """Change an item (time, room, title ...); clashes by room or person are 409."""
        return service.update_item(current_actor(), slug, item_id, changes)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, item_id):
        """Remove an item from the working copy."""
        service.delete_item(current_actor(), slug, item_id)


@blp.route("/editions/<slug>/programme/items/<int:item_id>/cancel")
class ItemCancel(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(CancelSchema)
    @blp.response(200, ProgrammeItemSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, item_id):
        """Cancel an item (or restore it with {"cancelled": false})."""
        return service.set_cancelled(current_actor(), slug, item_id, data["cancelled"])


@blp.route("/editions/<slug>/programme/items/<int:item_id>/speeches")
class Speeches(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(SpeechCreateSchema)
    @blp.response(201, SpeechSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, item_id):
        """Add a speaker at a position in the running order (default: last)."""
        return service.add_speech(current_actor(), slug, item_id, data)


@blp.route("/editions/<slug>/programme/items/<int:item_id>/speeches/<int:speech_id>")
class SpeechDetail(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(SpeechUpdateSchema)
    @blp.response(200, SpeechSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug, item_id, speech_id):
        """Change a speech; `position` moves it and the others shift, in one request."""
        return service.update_speech(current_actor(), slug, item_id, speech_id, changes)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, item_id, speech_id):
        """Remove a speaker; the running order closes up."""
        service.remove_speech(current_actor(), slug, item_id, speech_id)


@blp.route("/editions/<slug>/programme/items/<int:item_id>/protocol-order")
class ProtocolOrder(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, SpeechSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, item_id):
        """Suggested running order by precedence: host, then heads of authorities by
        country or region name in English, then international organizations."""
        return service.protocol_order(current_actor(), slug, item_id)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(200, SpeechSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, item_id):
        """Accept the suggestion: renumber the speakers in protocol order."""
        return service.apply_protocol_order(current_actor(), slug, item_id)


@blp.route("/editions/<slug>/programme/items/<int:item_id>/signups")
class Signups(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(SignupSchema)
    @blp.response(201, SignupOutputSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug, item_id):
        """Assign a confirmed registrant to a session (capacity and clashes: 409)."""
        return service.assign(current_actor(), slug, item_id, data["registration_id"])


@blp.route("/editions/<slug>/programme/items/<int:item_id>/signups/<int:registration_id>")
class SignupDetail(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, item_id, registration_id):
        """Take a registrant out of a session."""
        service.leave(current_actor(), slug, item_id, registration_id)


@blp.route("/rsvp/<token>/sessions/<int:item_id>")
class DelegationSignup(MethodView):
    @public_token_route
    @blp.arguments(SignupSchema)
    @blp.response(201, SignupOutputSchema)
    def post(self, data, token, item_id):
        """The focal point chooses a session for a confirmed member of the delegation."""
        return service.delegation_sign_up(token, item_id, data["registration_id"])


@blp.route("/rsvp/<token>/sessions")
class DelegationSignups(MethodView):
    @blp.response(200, DelegationSignupSchema(many=True))
    def get(self, token):
        """The sessions the members of the delegation are signed up for."""
        return service.delegation_signups(token)


@blp.route("/rsvp/<token>/sessions/<int:item_id>/<int:registration_id>")
class DelegationSignupDetail(MethodView):
    @public_token_route
    @blp.response(204)
    def delete(self, token, item_id, registration_id):
        """The focal point takes a member of the delegation out of a session."""
        service.delegation_leave(token, item_id, registration_id)


@blp.route("/editions/<slug>/programme/attendance")
class Attendance(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, SessionAttendanceSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug):
        """Sign-ups per session against capacity."""
        return service.attendance(current_actor(), slug)


@blp.route("/editions/<slug>/people/<int:person_id>/agenda")
class Agenda(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, AgendaSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, person_id):
        """One person's agenda: speaking slots and sessions, in time order."""
        return service.agenda(current_actor(), slug, person_id)


@blp.route("/editions/<slug>/people/<int:person_id>/agenda.ics")
class AgendaCalendar(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, TEXT, description="iCalendar (RFC 5545)", content_type=ICS_MIME)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, person_id):
        """One person's agenda as an iCalendar file."""
        edition, person, entries = service.agenda_calendar(current_actor(), slug, person_id)
        body = ical.calendar(edition, entries, f"{person.full_name}: agenda")
        return _ics_response(body, f"{slug}-agenda-{person_id}.ics")


@blp.route("/editions/<slug>/exhibitors")
class Exhibitors(MethodView):
    @blp.response(200, ExhibitorSchema(many=True))
    def get(self, slug):
        """Exhibitors and their stands."""
        return service.list_exhibitors(current_actor(), slug)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ExhibitorCreateSchema)
    @blp.response(201, ExhibitorSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Add an exhibitor (an enterprise showing devices or services)."""
        return service.add_exhibitor(current_actor(), slug, data)


@blp.route("/editions/<slug>/exhibitors/<int:exhibitor_id>")
class ExhibitorDetail(MethodView):
    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(ExhibitorUpdateSchema)
    @blp.response(200, ExhibitorSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug, exhibitor_id):
        """Change an exhibitor's stand or description."""
        return service.update_exhibitor(current_actor(), slug, exhibitor_id, changes)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, slug, exhibitor_id):
        """Remove an exhibitor."""
        service.remove_exhibitor(current_actor(), slug, exhibitor_id)


@blp.route("/editions/<slug>/programme/versions")
class Versions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self, slug):
        """Published versions of the programme."""
        return service.list_versions(current_actor(), slug)

    @requires(Permission.MANAGE_EDITIONS)
    @blp.arguments(PublishSchema)
    @blp.response(201, VersionSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Publish the working copy as the next numbered version."""
        return service.publish(current_actor(), slug, data.get("note"))


@blp.route("/editions/<slug>/programme/changes")
class Changes(MethodView):
    @blp.arguments(ChangelogQuerySchema, location="query")
    @blp.response(200, ChangelogSchema)
    def get(self, query, slug):
        """What was added, cancelled or moved (time or room) between two versions
        (`to=draft`: the unpublished working copy, organizers only)."""
        return service.changelog(current_actor(), slug, query["from_version"],
                                 query["to_version"])
