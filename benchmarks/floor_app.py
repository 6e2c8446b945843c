"""The floor for the registration burst: the same gunicorn and database, serving one
endpoint that does a single INSERT and commit, with nothing of EventHub around it.

Its table is created once, before gunicorn starts (`_common.create_floor_table`): every
worker imports this module, and concurrent CREATE TABLE IF NOT EXISTS statements race on
PostgreSQL's catalog (one worker dies with UniqueViolation on pg_type)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request

engine = sa.create_engine(os.environ["EVENTHUB_DATABASE_URL"], pool_pre_ping=True)

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/floor")
def floor():
    with engine.begin() as conn:
        new_id = conn.execute(sa.text("INSERT INTO bench_floor (payload) VALUES (:p) "
                                      "RETURNING id"),
                              {"p": request.get_data(as_text=True)}).scalar_one()
    return jsonify(id=new_id), 201
