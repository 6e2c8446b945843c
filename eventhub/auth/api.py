from __future__ import annotations

from flask.views import MethodView

from eventhub.auth import service
from eventhub.auth.permissions import Permission
from eventhub.auth.schemas import (
    OwnSettingsSchema,
    PasswordChangeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from eventhub.http import (
    BEARER_SECURITY,
    Blueprint,
    SelectPage,
    bearer_token,
    config,
    current_actor,
    requires,
    requires_login,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign in and tokens")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                      description="User accounts and roles (admins only)")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, credentials):
        """Exchange e-mail and password for an expiring bearer token."""
        token, api_token = service.issue_token(credentials["email"], credentials["password"],
                                               config("TOKEN_TTL_SECONDS"))
        return {"token": token, "token_type": "Bearer", "expires_at": api_token.expires_at}

    @requires_login
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def delete(self):
        """Revoke the token used for this request (sign out)."""
        service.revoke_token(bearer_token() or "")


@blp.route("/me")
class Me(MethodView):
    @requires_login
    @blp.response(200, UserSchema)
    @blp.doc(security=BEARER_SECURITY)
    def get(self):
        """The signed-in user."""
        return service.current_user(current_actor())

    @requires_login
    @blp.arguments(OwnSettingsSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=BEARER_SECURITY)
    def patch(self, data):
        """Change your own settings: the language of your pages (null: follow the
        browser)."""
        return service.set_own_language(current_actor(), data["language"])


@blp.route("/me/password")
class MyPassword(MethodView):
    @requires_login
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.doc(security=BEARER_SECURITY)
    def put(self, data):
        """Change your own password (send the current one too). Every other session of
        yours ends (other tokens are revoked, other page sign-ins end); this token stays."""
        service.change_own_password(current_actor(), data["current_password"],
                                    data["new_password"])


@users_blp.route("")
class Users(MethodView):
    @requires(Permission.MANAGE_USERS)
    @users_blp.response(200, UserSchema(many=True))
    @users_blp.paginate(SelectPage)
    @users_blp.doc(security=BEARER_SECURITY)
    def get(self):
        """List user accounts."""
        return service.list_users(current_actor())

    @requires(Permission.MANAGE_USERS)
    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    @users_blp.doc(security=BEARER_SECURITY)
    def post(self, data):
        """Create a user account with a role."""
        return service.create_user(current_actor(), **data)


@users_blp.route("/<int:user_id>")
class UserDetail(MethodView):
    @requires(Permission.MANAGE_USERS)
    @users_blp.response(200, UserSchema)
    @users_blp.doc(security=BEARER_SECURITY)
    def get(self, user_id):
        """Read a user account."""
        return service.get_user(current_actor(), user_id)

    @requires(Permission.MANAGE_USERS)
    @users_blp.arguments(UserUpdateSchema)
    @users_blp.response(200, UserSchema)
    @users_blp.doc(security=BEARER_SECURITY)
    def patch(self, changes, user_id):
        """Change a user's name, role, password or active flag. Disabling revokes the
        user's tokens; a new password revokes them too (ends their API and page sessions),
        all but the token of this request when admins change their own."""
        return service.update_user(current_actor(), user_id, changes)
