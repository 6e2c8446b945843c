"""Signing in and out of the staff pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from eventhub.auth.schemas import PasswordChangeSchema
from eventhub.errors import DomainError, NotAuthenticated
from eventhub.web.common import (
    SESSION_TOKEN,
    FormInvalid,
    field_errors,
    load,
    page_actor,
    page_requires,
)

blp = Blueprint("web_account", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a crafted ?next= must not send people elsewhere."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("web_manage.dashboard")


@blp.get("/login")
def login():
    if page_actor().is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("account/login.html", email="", errors={},
                           next=request.args.get("next", ""))


@blp.post("/login")
def login_submit():
    from eventhub.auth.service import issue_token

    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    try:
        token, _ = issue_token(email, password,
                               current_app.config["EVENTHUB_TOKEN_TTL_SECONDS"])
    except NotAuthenticated as exc:
        return render_template("account/login.html", email=email, next=target,
                               errors={"": exc.detail}), 401
    # A new session on sign-in: nothing planted in the cookie before survives it.
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN] = token
    return redirect(_safe_next(target), code=303)


@blp.post("/logout")
def logout():
    from eventhub.auth.service import revoke_token

    token = session.get(SESSION_TOKEN)
    if token:
        revoke_token(token)
    session.clear()
    return redirect(url_for("web_public.home"), code=303)


@blp.get("/account/password")
@page_requires()
def password():
    return render_template("account/password.html", errors={})


@blp.post("/account/password")
@page_requires()
def password_submit():
    """Any signed-in person changes their own password; their other sessions (other
    browsers, API tokens) end, this one stays."""
    from eventhub.auth.service import change_own_password

    try:
        data = load(PasswordChangeSchema(), {
            "current_password": request.form.get("current_password", ""),
            "new_password": request.form.get("new_password", "")})
        if data["new_password"] != request.form.get("confirm_password", ""):
            raise FormInvalid({"confirm_password": "The two new passwords differ."})
        change_own_password(page_actor(), data["current_password"], data["new_password"])
    except (FormInvalid, DomainError) as exc:
        errors = field_errors(exc)
        if isinstance(exc, DomainError) and exc.errors:
            errors.pop("", None)
        return render_template("account/password.html", errors=errors), 422
    flash("Your password is changed; you were signed out everywhere else.")
    return redirect(url_for("web_manage.dashboard"), code=303)
