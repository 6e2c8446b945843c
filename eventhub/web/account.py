"""Signing in and out of the staff pages, and a member of staff's own settings (the
language of their pages, their password)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import refresh

from eventhub.auth.permissions import Actor
from eventhub.auth.schemas import OwnSettingsSchema, PasswordChangeSchema
from eventhub.errors import DomainError, NotAuthenticated
from eventhub.i18n import N_, _, use_locale
from eventhub.web.common import (
    SESSION_TOKEN,
    FormInvalid,
    field_errors,
    language_choices,
    language_name_in_page,
    load,
    page_actor,
    page_requires,
    staff_link,
    staff_page_context,
    user_language,
)

blp = Blueprint("web_account", __name__)

staff_link("web_account.account", N_("Account"), 90)

# The value of the language select that follows the browser (no setting stored).
FOLLOW_BROWSER = ""


@blp.context_processor
def _page_language() -> dict[str, object]:
    return staff_page_context()


def _safe_next(target: str | None, actor: Actor | None = None) -> str:
    """Only a path on this site: a crafted ?next= must not send people elsewhere. Without
    one, each person's home: the statements for the secretariat and for a statement's
    approver (statements service: works_on_statements), the editions for the others."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    from eventhub.statements.service import works_on_statements

    if works_on_statements(actor or page_actor()):
        return url_for("web_secretariat.home")
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
        token, _api_token = issue_token(email, password,
                               current_app.config["EVENTHUB_TOKEN_TTL_SECONDS"])
    except NotAuthenticated as exc:
        return render_template("account/login.html", email=email, next=target,
                               errors={"": exc.detail}), 401
    # A new session on sign-in: nothing planted in the cookie before survives it.
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN] = token
    from eventhub.auth.service import actor_for_token

    return redirect(_safe_next(target, actor_for_token(token)), code=303)


@blp.post("/logout")
def logout():
    from eventhub.auth.service import revoke_token

    token = session.get(SESSION_TOKEN)
    if token:
        revoke_token(token)
    session.clear()
    return redirect(url_for("web_public.home"), code=303)


def _account_page(*, errors: dict[str, str] | None = None, chosen: str | None = None,
                  status: int = 200):
    stored = user_language()
    return render_template(
        "account/settings.html", errors=errors or {},
        languages=[(FOLLOW_BROWSER, _("Follow my browser")), *language_choices()],
        chosen=(stored or FOLLOW_BROWSER) if chosen is None else chosen,
        stored=stored), status


@blp.get("/account")
@page_requires()
def account():
    return _account_page()


@blp.post("/account/language")
@page_requires()
def language_submit():
    """The language of the person's own pages; "follow my browser" clears the setting."""
    from eventhub.auth.service import set_own_language

    typed = request.form.get("language", "").strip()
    try:
        data = load(OwnSettingsSchema(), {"language": typed or None})
        set_own_language(page_actor(), data["language"])
    except (FormInvalid, DomainError) as exc:
        return _account_page(errors=field_errors(exc), chosen=typed,
                             status=getattr(exc, "status", 422))
    # The confirmation is written in the language just chosen (or the browser's).
    g.user_language = data["language"]
    if data["language"]:
        use_locale(data["language"])
    else:
        refresh()
    flash(_("Your pages are now in %(language)s.", language=language_name_in_page(
        data["language"])) if data["language"] else
        _("Your pages now follow the language of your browser."))
    return redirect(url_for("web_account.account"), code=303)


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
            raise FormInvalid({"confirm_password": _("The two new passwords differ.")})
        change_own_password(page_actor(), data["current_password"], data["new_password"])
    except (FormInvalid, DomainError) as exc:
        errors = field_errors(exc)
        if isinstance(exc, DomainError) and exc.errors:
            errors.pop("", None)
        return render_template("account/password.html", errors=errors), 422
    flash(_("Your password is changed; you were signed out everywhere else."))
    return redirect(url_for("web_manage.dashboard"), code=303)
