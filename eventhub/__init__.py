"""EventHub: the backend of the Sub-Forum on Migration Management Cooperation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, jsonify
from flask_smorest import Api
from flask_smorest import pagination as fs_pagination
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from eventhub import errors, i18n, openapi, security, web
from eventhub.extensions import connection_lock_timeout_option, db, migrate
from eventhub.schemas import INTEGER_MAX, ProblemSchema
from eventhub.settings import load_settings, validate_settings

API_TITLE = "EventHub API"
API_VERSION = "v1"
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond the id columns' range matches no route
    (404) instead of reaching the database, and the API documentation states the range."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


class EventHubFlask(Flask):
    """Flask whose transaction boundary runs before every after_request function (see
    _register_transaction_boundary)."""

    transaction_boundary: Callable[[Flask, Response], Response] | None = None

    def process_response(self, response: Response) -> Response:
        if self.transaction_boundary is not None:
            response = self.transaction_boundary(self, response)
        return super().process_response(response)


class ProblemApi(Api):
    """flask-smorest Api whose HTTP errors are problem documents (RFC 9457)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents its error responses as application/json; ours are
        # problem documents.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = errors.PROBLEM_MIME
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE

    def _register_pagination_header(self) -> None:
        # X-Pagination is sent as a JSON document (flask-smorest's json.dumps), not as an
        # object serialized the OpenAPI way (page=1,total=3): declared as JSON content.
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, a JSON document",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/PaginationMetadata"}}}}, lazy=True)
        self.spec.components.schema("PaginationMetadata",
                                    schema=fs_pagination.PaginationMetadataSchema)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return errors.handle_http_exception(error)


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    app = EventHubFlask(__name__, instance_path=str(Path.cwd() / "instance"),
                static_folder="web/static", template_folder="web/templates")
    # Keep fields in schema order: a statement or edition reads better top-down.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = RowIdConverter
    settings = load_settings()
    settings.update(config_overrides or {})
    validate_settings(settings)
    _configure(app, settings)

    security.configure_logging(settings["LOG_LEVEL"], settings["LOG_FORMAT"])
    if settings["PROXY_COUNT"] > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["PROXY_COUNT"],  # type: ignore[method-assign]
                                x_proto=settings["PROXY_COUNT"])

    import eventhub.models  # noqa: F401  (registers every table)
    from eventhub.audit import recorder

    recorder.install()

    db.init_app(app)
    i18n.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True,
                     compare_type=True)
    api = ProblemApi(app, spec_kwargs={
        "info": {"description": "Editions, directory, programme and statements of the "
                                "Sub-Forum on Migration Management Cooperation."},
        "servers": [{"url": settings["PUBLIC_BASE_URL"].rstrip("/") or "/",
                     "description": "This deployment"}],
        "extra_plugins": [openapi.ContractPlugin(app)]})
    api.ma_plugin.converter.add_attribute_function(openapi.nullable_types)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "Token from POST /api/v1/auth/token"})
    _register_blueprints(api)
    app.register_blueprint(Blueprint("swagger_ui_assets", __name__,
                                     static_folder=str(swagger_ui_path),
                                     static_url_path="/api/docs/assets"))
    _register_error_handlers(app)
    _register_health_checks(app)
    security.install(app)
    web.install(app)
    _register_transaction_boundary(app)

    from eventhub.cli import register_cli

    register_cli(app)
    return app


def _configure(app: Flask, settings: dict[str, Any]) -> None:
    database_url = settings["DATABASE_URL"]
    if not database_url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{Path(app.instance_path) / 'eventhub.sqlite3'}"
    for key, value in settings.items():
        app.config[f"EVENTHUB_{key}"] = value
    # PostgreSQL: no ping before every checkout (a round trip per request); a connection
    # is replaced after half an hour, and one that fails with a disconnect makes the pool
    # replace every connection opened before it (SQLAlchemy's disconnect handling), so a
    # database restart costs at most the request that finds it. The lock timeout is the
    # connection's own setting, sent once at connect (extensions.connection_lock_timeout_option).
    engine_options: dict[str, Any] = {
        "pool_recycle": 1800,
        "connect_args": {"options": connection_lock_timeout_option(
            settings["REGISTRATION_LOCK_TIMEOUT_MS"])}}
    if database_url.startswith("sqlite"):
        # Several threads (the dev server, tests with concurrent clients) share one file;
        # a busy timeout makes writers queue instead of failing with "database is locked".
        # pysqlite's own transaction handling is off: EventHub begins SQLite transactions
        # itself, taking the write lock where PostgreSQL would lock rows (extensions.py).
        engine_options = {"connect_args": {"timeout": 30, "isolation_level": None}}
    else:
        app.config["EVENTHUB_CONNECTION_LOCK_TIMEOUT_MS"] = settings[
            "REGISTRATION_LOCK_TIMEOUT_MS"]
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options,
        MAX_CONTENT_LENGTH=settings["MAX_CONTENT_LENGTH"],
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        # Swagger UI 4 (bundled below, so the docs work without internet) reads 3.0.
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
    )


def _register_blueprints(api: Api) -> None:
    from eventhub.archive.api import blp as archive_blp
    from eventhub.audit.api import blp as audit_blp
    from eventhub.auth.api import blp as auth_blp
    from eventhub.auth.api import users_blp
    from eventhub.directory.api import blp as directory_blp
    from eventhub.editions.api import blp as editions_blp
    from eventhub.invitations.api import blp as invitations_blp
    from eventhub.invitations.api import rsvp_blp
    from eventhub.programme.api import blp as programme_blp
    from eventhub.programme.schedule_api import blp as schedule_blp
    from eventhub.registrations.api import blp as registrations_blp
    from eventhub.registrations.badges_api import blp as badges_blp
    from eventhub.registrations.spreadsheets_api import blp as spreadsheets_blp
    from eventhub.registrations.visa_api import blp as visa_blp
    from eventhub.statements.api import blp as statements_blp
    from eventhub.statements.tools_api import blp as statement_tools_blp

    for blueprint in (auth_blp, users_blp, editions_blp, directory_blp, programme_blp,
                      statements_blp, statement_tools_blp, invitations_blp, rsvp_blp,
                      registrations_blp, spreadsheets_blp, visa_blp, archive_blp, audit_blp,
                      badges_blp, schedule_blp):
        api.register_blueprint(blueprint)


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.DomainError, errors.handle_domain_error)
    app.register_error_handler(IntegrityError, errors.handle_integrity_error)
    if not app.testing:
        app.register_error_handler(Exception, errors.handle_unexpected_error)


def _register_transaction_boundary(app: Flask) -> None:
    """The one commit of a request (services only flush), run before every response hook.

    Flask runs after_request functions of the request's blueprints before the app's, each
    in reverse order of registration, so no registration order puts an after_request
    commit first. The commit therefore runs in process_response itself, ahead of all of
    them: a commit that fails is answered by the error handlers like a failed flush, and
    the headers and the access log line are those of the response that is sent."""
    app.transaction_boundary = _commit_or_roll_back  # type: ignore[attr-defined]


def _commit_or_roll_back(app: Flask, response: Response) -> Response:
    # A failed request (status >= 400) rolls back whatever a service flushed before it
    # refused.
    if response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        # Handled as if the view had raised it: a unique or foreign-key conflict becomes
        # the API's 409 problem or the page's error page; anything else goes on to the
        # 500 handling.
        return app.make_response(app.handle_user_exception(exc))
    return response


def _register_health_checks(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        # The web process is alive; beside it, whether the background worker is (its
        # heartbeat) and whether mail goes out. A worker that is down does not make the
        # web process unhealthy (restarting it would not help): it is reported here.
        return jsonify(status="ok", worker=_worker_health())

    @app.get("/readyz")
    def readyz() -> Response | tuple[Response, int]:
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means "not ready"
            app.logger.exception("readiness check failed")
            return errors.problem_response(503, errors.problem_title(503),
                                           i18n._("The database is not reachable.")), 503
        return jsonify(status="ready", database=db.engine.dialect.name)


def _worker_health() -> dict[str, Any]:
    from eventhub.mail.outbox import outbox_health

    try:
        health = outbox_health()
    except Exception:  # the database is away: /readyz says so
        db.session.rollback()
        return {"status": "unknown"}
    worker = health["worker"]
    oldest = health["oldest_due_at"]
    seen = worker["last_seen_at"]
    return {"status": worker["status"], "running": worker["running"],
            "last_seen_at": seen.isoformat() if seen else None,
            "outbox": {"due": health["due"],
                       "oldest_due_at": oldest.isoformat() if oldest else None,
                       "waiting_retry": health["waiting_retry"], "failed": health["failed"],
                       "stuck": len(health["stuck"]),
                       "moving": not health["stalled"]}}
