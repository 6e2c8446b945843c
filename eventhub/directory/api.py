from __future__ import annotations

from flask.views import MethodView

from eventhub.auth.permissions import Permission
from eventhub.directory import service
from eventhub.directory.schemas import (
    MergeSchema,
    OrganizationCreateSchema,
    OrganizationFilterSchema,
    OrganizationMergeResultSchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
    PersonCreateSchema,
    PersonFilterSchema,
    PersonMergeResultSchema,
    PersonSchema,
    PersonUpdateSchema,
)
from eventhub.http import BEARER_SECURITY, Blueprint, SelectPage, current_actor, requires

blp = Blueprint("directory", __name__, url_prefix="/api/v1",
                description="Organizations and people (staff only)")


@blp.route("/organizations")
class Organizations(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(OrganizationFilterSchema, location="query")
    @blp.response(200, OrganizationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, filters):
        """List organizations, filtered by kind, country or text."""
        return service.list_organizations(current_actor(), filters)

    @requires(Permission.MANAGE_DIRECTORY)
    @blp.arguments(OrganizationCreateSchema)
    @blp.response(201, OrganizationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data):
        """Add an organization (authority, international organization, ...)."""
        return service.create_organization(current_actor(), data)


@blp.route("/organizations/<int:organization_id>")
class OrganizationDetail(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, OrganizationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, organization_id):
        """Read an organization."""
        return service.get_organization(current_actor(), organization_id)

    @requires(Permission.MANAGE_DIRECTORY)
    @blp.arguments(OrganizationUpdateSchema)
    @blp.response(200, OrganizationSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, organization_id):
        """Change an organization."""
        return service.update_organization(current_actor(), organization_id, changes)

    @requires(Permission.MANAGE_DIRECTORY)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, organization_id):
        """Delete an organization nothing refers to (409 otherwise)."""
        service.delete_organization(current_actor(), organization_id)


@blp.route("/organizations/<int:organization_id>/merge")
class OrganizationMerge(MethodView):
    @requires(Permission.MANAGE_DIRECTORY)
    @blp.arguments(MergeSchema)
    @blp.response(200, OrganizationMergeResultSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, organization_id):
        """Merge a duplicate into this organization: people, member organizations,
        hosted editions, participations, invitations, delegations and exhibitor stands
        move here, blank fields are filled from the duplicate, the duplicate is deleted.
        409 when an archived edition names the duplicate or both have a row in one
        edition."""
        return service.merge_organizations(current_actor(), organization_id,
                                           data["duplicate_id"])


@blp.route("/people")
class People(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.arguments(PersonFilterSchema, location="query")
    @blp.response(200, PersonSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, filters):
        """List people; contact details only for roles that may read them."""
        return service.list_people(current_actor(), filters)

    @requires(Permission.MANAGE_DIRECTORY)
    @blp.arguments(PersonCreateSchema)
    @blp.response(201, PersonSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data):
        """Add a person, with the name exactly as written."""
        return service.create_person(current_actor(), data)


@blp.route("/people/<int:person_id>")
class PersonDetail(MethodView):
    @requires(Permission.READ_INTERNAL)
    @blp.response(200, PersonSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self, person_id):
        """Read a person."""
        return service.get_person(current_actor(), person_id)

    @requires(Permission.MANAGE_DIRECTORY)
    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, person_id):
        """Change a person."""
        return service.update_person(current_actor(), person_id, changes)

    @requires(Permission.MANAGE_DIRECTORY)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self, person_id):
        """Delete a person who has no speaking slot (409 otherwise)."""
        service.delete_person(current_actor(), person_id)


@blp.route("/people/<int:person_id>/merge")
class PersonMerge(MethodView):
    @requires(Permission.MANAGE_DIRECTORY)
    @blp.arguments(MergeSchema)
    @blp.response(200, PersonMergeResultSchema)
    @blp.doc(security=BEARER_SECURITY)
    def post(self, data, person_id):
        """Merge a duplicate into this person: registrations and speeches move here,
        blank fields are filled from the duplicate, the duplicate is deleted. 409 when an
        archived edition names the duplicate or both are registered for one edition."""
        return service.merge_people(current_actor(), person_id, data["duplicate_id"])
