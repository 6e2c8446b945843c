"""Walk every write route of the app and check who may call it.

Expectations are derived from the app itself, so a route added later is covered without
touching this file: a view method decorated with eventhub.http.requires carries
`_required_permission`, and eventhub.auth.permissions._GRANTS says which roles hold it;
requires_login routes only need a signed-in caller; routes marked public_token_route are
authorized by a secret link token in their URL (the focal point's invitation link). A write
route with none of these (and not whitelisted below as public) fails the walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from _helpers import PROBLEM_MIME
from conftest import client_for_role
from flask import Flask

from eventhub.auth.models import Role
from eventhub.auth.permissions import _GRANTS, Permission
from eventhub.http import requires, requires_login

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Write routes anyone may call. Keep this list short and justified.
PUBLIC_WRITES = frozenset({("auth.Token", "POST")})  # signing in

# Every function made by requires_login / requires shares its wrapper's code object.
_LOGIN_WRAPPER_CODE = requires_login(lambda: None).__code__
_REQUIRES_WRAPPER_CODE = requires(Permission.MANAGE_USERS)(lambda: None).__code__
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_DUMMY_BY_CONVERTER = {"int": 1, "float": 1.0, "uuid": "00000000-0000-0000-0000-000000000000"}


@dataclass(frozen=True)
class WriteRoute:
    endpoint: str
    method: str
    rule: str
    url: str
    permission: Permission | None
    login_only: bool
    public: bool
    token_route: bool

    def __str__(self) -> str:
        return f"{self.method} {self.rule} ({self.endpoint})"

    @property
    def declared(self) -> bool:
        return (self.permission is not None or self.login_only or self.public
                or self.token_route)


def _wrapper_chain(func: Callable) -> list[Callable]:
    chain = [func]
    while (inner := getattr(chain[-1], "__wrapped__", None)) is not None and len(chain) < 50:
        chain.append(inner)
    return chain


def _view_method(app: Flask, endpoint: str, method: str) -> Callable:
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    return getattr(view_class, method.lower())


def _dummy_url(app: Flask, rule) -> str:
    values = {match["name"]: _DUMMY_BY_CONVERTER.get(match["converter"] or "default", "x")
              for match in _ARGUMENT.finditer(rule.rule)}
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values)


def write_routes(app: Flask) -> list[WriteRoute]:
    routes = []
    # The API's routes; the pages (no bearer tokens, CSRF-checked forms) have their own walk.
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & WRITE_METHODS):
            func = _view_method(app, rule.endpoint, method)
            chain = _wrapper_chain(func)
            routes.append(WriteRoute(
                endpoint=rule.endpoint, method=method, rule=rule.rule,
                url=_dummy_url(app, rule),
                permission=getattr(func, "_required_permission", None),
                login_only=any(f.__code__ is _LOGIN_WRAPPER_CODE for f in chain
                               if hasattr(f, "__code__")),
                public=(rule.endpoint, method) in PUBLIC_WRITES,
                token_route=getattr(func, "_public_token_route", False)))
    return routes


def forbidden_for(app: Flask, role: Role) -> list[WriteRoute]:
    return [route for route in write_routes(app)
            if route.permission is not None and route.permission not in _GRANTS[role]]


def granted_for(app: Flask, role: Role) -> list[WriteRoute]:
    return [route for route in write_routes(app)
            if route.permission is not None and route.permission in _GRANTS[role]]


def call(client, route: WriteRoute):
    return client.open(route.url, method=route.method, json={})


def _problem_mismatch(response, status: int) -> str | None:
    if response.status_code != status:
        return f"got {response.status_code}: {response.get_data(as_text=True)[:200]}"
    if response.mimetype != PROBLEM_MIME:
        return f"got {response.mimetype}, not a problem document"
    return None


# The walk itself ----------------------------------------------------------------------

def test_the_walk_finds_the_known_write_routes(app):
    found = {(route.method, route.rule) for route in write_routes(app)}
    for expected in [("POST", "/api/v1/auth/token"), ("DELETE", "/api/v1/auth/token"),
                     ("POST", "/api/v1/users"), ("PATCH", "/api/v1/users/<int:user_id>"),
                     ("POST", "/api/v1/editions"), ("POST", "/api/v1/editions/<slug>/status"),
                     ("DELETE", "/api/v1/organizations/<int:organization_id>"),
                     ("PATCH", "/api/v1/people/<int:person_id>")]:
        assert expected in found
    assert not any(route.method in {"GET", "HEAD"} for route in write_routes(app))
    delete_token = next(r for r in write_routes(app) if r.endpoint == "auth.Token"
                        and r.method == "DELETE")
    assert delete_token.login_only and delete_token.permission is None


def test_every_write_route_declares_who_may_call_it(app):
    undeclared = [str(route) for route in write_routes(app) if not route.declared]
    assert undeclared == [], (
        "write routes with neither @requires(...) nor @requires_login and not whitelisted "
        f"as public: {undeclared}")


def test_permission_checks_are_the_outermost_decorator(app):
    # requires() must wrap the parsing decorators, or a caller without the right gets a
    # validation report instead of 401/403.
    misplaced = [str(route) for route in write_routes(app) if route.permission is not None
                 and _view_method(app, route.endpoint, route.method).__code__
                 is not _REQUIRES_WRAPPER_CODE]
    assert misplaced == []


def test_anonymous_writes_are_refused_with_401(client, app):
    failures = []
    for route in write_routes(app):
        if route.public or route.token_route:
            continue
        response = call(client, route)
        if problem := _problem_mismatch(response, 401):
            failures.append(f"{route}: {problem}")
        elif "WWW-Authenticate" not in response.headers:
            failures.append(f"{route}: 401 without WWW-Authenticate")
    assert failures == []


def test_token_routes_refuse_a_forged_link_with_404(client, app):
    token_routes = [route for route in write_routes(app) if route.token_route]
    assert token_routes, "the invitation response routes are token routes"
    failures = []
    for route in token_routes:
        assert "<token>" in route.rule, f"{route} is marked as a token route without a token"
        if problem := _problem_mismatch(call(client, route), 404):
            failures.append(f"{route}: {problem}")
    assert failures == []


def test_public_write_routes_are_only_the_whitelisted_ones(app):
    assert {(r.endpoint, r.method) for r in write_routes(app) if r.public} == PUBLIC_WRITES


def test_viewers_may_write_nothing(app, viewer_client):
    # Policy: no write route is open to the viewer role (signing out aside).
    assert granted_for(app, Role.VIEWER) == []
    failures = []
    for route in write_routes(app):
        if route.public or route.login_only or route.token_route:
            continue
        if problem := _problem_mismatch(call(viewer_client, route), 403):
            failures.append(f"{route}: {problem}")
    assert failures == []
    assert viewer_client.get("/api/v1/auth/me").status_code == 200


def test_derived_expectations_cover_the_documented_rules(app):
    secretariat_forbidden = {route.rule for route in forbidden_for(app, Role.SECRETARIAT)}
    for rule in ("/api/v1/series", "/api/v1/editions", "/api/v1/editions/<slug>/status",
                 "/api/v1/editions/<slug>/figures", "/api/v1/organizations",
                 "/api/v1/organizations/<int:organization_id>", "/api/v1/people",
                 "/api/v1/people/<int:person_id>"):
        assert rule in secretariat_forbidden
    organizer_forbidden = {route.rule for route in forbidden_for(app, Role.ORGANIZER)}
    assert {"/api/v1/users", "/api/v1/users/<int:user_id>"} <= organizer_forbidden
    assert forbidden_for(app, Role.ADMIN) == []


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ORGANIZER, Role.ADMIN],
                         ids=lambda role: role.value)
def test_each_role_is_refused_exactly_where_its_grants_end(app, role):
    client = client_for_role(app, role)
    failures = []
    for route in forbidden_for(app, role):
        if problem := _problem_mismatch(call(client, route), 403):
            failures.append(f"{route} should be 403 for {role.value}: {problem}")
    for route in granted_for(app, role):
        # An empty body on dummy ids: validation errors or 404s, never a refusal.
        response = call(client, route)
        if response.status_code in (401, 403):
            failures.append(f"{route} refused {role.value} ({response.status_code})")
    assert failures == []
    assert client.get("/api/v1/auth/me").json["role"] == role.value
