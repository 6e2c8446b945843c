"""The floor for the registration burst: the same gunicorn and database, serving one
endpoint that does a single INSERT and commit, with nothing of EventHub around it."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, request

engine = sa.create_engine(os.environ["EVENTHUB_DATABASE_URL"], pool_pre_ping=True)
with engine.begin() as conn:
    conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_floor "
                         "(id serial PRIMARY KEY, payload text NOT NULL)"))

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
