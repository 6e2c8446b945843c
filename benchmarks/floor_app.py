"""The floors for the registration burst: the same gunicorn and database, serving one
endpoint that does a single INSERT and commit.

- `app`: bare Flask with nothing of EventHub around it (the floor the target is set
  against);
- `eventhub_floor()`: EventHub's own application (create_app) with the same endpoint added
  beside its routes, so the request passes through everything every EventHub request
  passes through (request id, rate-limit and input checks, secure headers, JSON access
  log, session handling). The gap between the two is the cost of the application's
  per-request hardening; the gap between this one and a registration is the registration's
  own work (authentication, validation, idempotency, seat count, audit).

The table is created once, before gunicorn starts (`_common.create_floor_table`): every
worker imports this module, and concurrent CREATE TABLE IF NOT EXISTS statements race on
PostgreSQL's catalog (one worker dies with UniqueViolation on pg_type)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request

engine = sa.create_engine(os.environ["EVENTHUB_DATABASE_URL"], pool_pre_ping=True)


def floor():
    with engine.begin() as conn:
        new_id = conn.execute(sa.text("INSERT INTO bench_floor (payload) VALUES (:p) "
                                      "RETURNING id"),
                              {"p": request.get_data(as_text=True)}).scalar_one()
    return jsonify(id=new_id), 201


def healthz():
    return jsonify(status="ok")


app = Flask(__name__)
app.add_url_rule("/healthz", view_func=healthz)
app.add_url_rule("/floor", view_func=floor, methods=["POST"])


def eventhub_floor() -> Flask:
    """gunicorn 'benchmarks.floor_app:eventhub_floor()'"""
    from eventhub import create_app

    application = create_app()
    application.add_url_rule("/floor", view_func=floor, methods=["POST"])
    return application
