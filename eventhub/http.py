"""Helpers shared by every domain's HTTP layer: the acting user, permission checks that run
before input parsing, and pagination of SQLAlchemy selects."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import flask_smorest
import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Page
from sqlalchemy import Select, func, select
from webargs.flaskparser import FlaskParser

from eventhub.auth.permissions import Actor, Permission, authorize
from eventhub.extensions import db

BEARER_SECURITY = [{"bearerAuth": []}]


class _SchemaReusingParser(FlaskParser):
    """webargs builds a new schema from a schema class on every request, and marshmallow
    deep-copies every declared field to do so; loading keeps no state on the instance,
    so one instance per class serves every request and thread."""

    def __init__(self) -> None:
        super().__init__()
        self._instances: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint, parsing arguments with schemas built once."""

    ARGUMENTS_PARSER = _SchemaReusingParser()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        from eventhub.auth.service import actor_for_token

        actor = actor_for_token(bearer_token())
        g.actor = actor
    return actor


def requires(permission: Permission) -> Callable:
    """Refuse before the body is parsed, so an anonymous or under-privileged caller gets
    401/403 rather than a validation report about a request it may not make at all.
    Must be placed above @blp.arguments."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authorize(current_actor(), permission)
            return view(*args, **kwargs)

        # functools.wraps already carried flask-smorest's _apidoc over.
        wrapper._required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def requires_login(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from eventhub.errors import NotAuthenticated

        if not current_actor().is_authenticated:
            raise NotAuthenticated()
        return view(*args, **kwargs)

    # The OpenAPI document reads it: a token is required (eventhub.openapi).
    wrapper._requires_login = True  # type: ignore[attr-defined]
    return wrapper


class SelectPage(Page):
    """flask-smorest pager over a SQLAlchemy select: one COUNT and one page query."""

    # Far beyond any real list; larger offsets overflow the database's integers.
    MAX_OFFSET = 10_000_000

    @property
    def items(self) -> list[Any]:
        from eventhub.errors import Unprocessable

        if self.page_params.first_item > self.MAX_OFFSET:
            from eventhub.i18n import N_

            raise Unprocessable(N_("The page is beyond the end of any list."),
                                code="pagination.page_too_large", errors=[{
                                    "field": "page", "location": "query",
                                    "message": N_("Too large."),
                                    "code": "pagination.page_too_large"}])
        statement: Select = self.collection
        return list(db.session.scalars(
            statement.limit(self.page_params.page_size).offset(self.page_params.first_item)))

    @property
    def item_count(self) -> int:
        statement: Select = self.collection
        return db.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())) or 0


def config(key: str) -> Any:
    return current_app.config[f"EVENTHUB_{key}"]


def public_url(path: str) -> str:
    """`path` (from "/") on the address people reach the service at (PUBLIC_BASE_URL)."""
    return str(config("PUBLIC_BASE_URL")).rstrip("/") + path


def public_host() -> str:
    """The host of that address: the domain of Message-IDs and of feed entry ids."""
    return urlsplit(str(config("PUBLIC_BASE_URL"))).hostname or "localhost"

