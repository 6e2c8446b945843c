from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import request
from flask.views import MethodView

from eventhub.auth.permissions import Permission
from eventhub.errors import Unprocessable
from eventhub.http import (
    BEARER_SECURITY,
    Blueprint,
    SelectPage,
    current_actor,
    requires,
)
from eventhub.i18n import N_
from eventhub.idempotency import idempotent
from eventhub.invitations import service
from eventhub.invitations.schemas import (
    BulkInvitationsSchema,
    CredentialStatusSchema,
    DelegationInputSchema,
    FocalPointViewSchema,
    InvitationCreateSchema,
    InvitationFilterSchema,
    InvitationSchema,
    InvitationUpdateSchema,
)
from eventhub.registrations import credentials


def public_token_route(view: Callable) -> Callable:
    """A write route that needs no account: the secret token of the invitation link in
    its URL authorizes it. The link is checked before the body is parsed, so a forged or
    dead link gets 404/410 rather than a report about the body."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        service.invitation_for_token(kwargs["token"])
        return view(*args, **kwargs)

    wrapper._public_token_route = True  # type: ignore[attr-defined]
    return wrapper


blp = Blueprint("invitations", __name__, url_prefix="/api/v1",
                description="Invitation lists (organizers)")
rsvp_blp = Blueprint("rsvp", __name__, url_prefix="/api/v1/rsvp",
                     description="The focal point's response link: no account, the token "
                                 "from the invitation e-mail is the key")


@blp.route("/editions/<slug>/invitations")
class Invitations(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(InvitationFilterSchema, location="query")
    @blp.response(200, InvitationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, filters, slug):
        """The invitation list, filtered by status or country."""
        return service.list_invitations(current_actor(), slug, filters)

    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(InvitationCreateSchema)
    @blp.response(201, InvitationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Invite an organization (a draft until sent)."""
        return service.create_invitation(current_actor(), slug, data)


@blp.route("/editions/<slug>/invitations/bulk")
class BulkInvitations(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(BulkInvitationsSchema)
    @blp.response(201, InvitationSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, slug):
        """Invite several organizations at once (all or nothing)."""
        return service.create_invitations(current_actor(), slug, data["invitations"],
                                          data["defaults"])


@blp.route("/editions/<slug>/invitations/send-drafts")
class SendDrafts(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @idempotent
    @blp.response(200, InvitationSchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug):
        """Send every draft invitation of the edition (mails go to the outbox)."""
        return service.send_all_drafts(current_actor(), slug)


@blp.route("/editions/<slug>/invitations/<int:invitation_id>")
class InvitationDetail(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, InvitationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, slug, invitation_id):
        """Read an invitation."""
        return service.get_invitation(current_actor(), slug, invitation_id)

    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.arguments(InvitationUpdateSchema)
    @blp.response(200, InvitationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, slug, invitation_id):
        """Correct the focal point, quota or deadline of a draft or sent invitation."""
        return service.update_invitation(current_actor(), slug, invitation_id, changes)


@blp.route("/editions/<slug>/invitations/<int:invitation_id>/send")
class SendInvitation(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @idempotent
    @blp.response(200, InvitationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, invitation_id):
        """Send the invitation; sending again issues a new link and kills the old one."""
        return service.send_invitation(current_actor(), slug, invitation_id)


@blp.route("/editions/<slug>/invitations/<int:invitation_id>/revoke")
class RevokeInvitation(MethodView):
    @requires(Permission.MANAGE_ATTENDANCE)
    @blp.response(200, InvitationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, slug, invitation_id):
        """Withdraw the invitation; its link stops working at once."""
        return service.revoke_invitation(current_actor(), slug, invitation_id)


@rsvp_blp.route("/<token>")
class FocalPointInvitation(MethodView):
    @rsvp_blp.response(200, FocalPointViewSchema)
    def get(self, token):
        """The invitation, its status and the delegation registered so far."""
        return service.focal_point_view(token)


@rsvp_blp.route("/<token>/accept")
class Accept(MethodView):
    @public_token_route
    @rsvp_blp.response(200, FocalPointViewSchema)
    def post(self, token):
        """Accept the invitation; then register the delegation."""
        return service.respond(token, accept=True)


@rsvp_blp.route("/<token>/decline")
class Decline(MethodView):
    @public_token_route
    @rsvp_blp.response(200, FocalPointViewSchema)
    def post(self, token):
        """Decline the invitation."""
        return service.respond(token, accept=False)


@rsvp_blp.route("/<token>/delegation")
class FocalPointDelegation(MethodView):
    @public_token_route
    @idempotent
    @rsvp_blp.arguments(DelegationInputSchema)
    @rsvp_blp.response(200, FocalPointViewSchema)
    def put(self, data, token):
        """Register or amend the delegation: exactly these members (one head of
        delegation), up to the quota, until the deadline."""
        return service.set_delegation(token, data["members"])


@rsvp_blp.route("/<token>/credential")
class FocalPointCredential(MethodView):
    @public_token_route
    @rsvp_blp.response(200, CredentialStatusSchema)
    @rsvp_blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"]}}}})
    def put(self, token):
        """Upload the note verbale or nomination letter (PDF, PNG or JPEG)."""
        upload = request.files.get("file")
        if upload is None:
            raise Unprocessable.for_field("file", N_("Send the document as multipart field "
                                                     "“file”."), code="upload.missing_file")
        return credentials.upload_credential(token, upload.filename or "", upload.read())
