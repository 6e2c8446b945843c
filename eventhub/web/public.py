"""The public archive: editions, an edition's record, its published statement, and
participation across editions. Anonymous visitors see what the API shows them."""

from __future__ import annotations

from flask import Blueprint, render_template

from eventhub.editions.service import list_editions
from eventhub.extensions import db
from eventhub.web.common import page_actor

blp = Blueprint("web_public", __name__)


@blp.get("/")
def home():
    editions = db.session.scalars(list_editions(page_actor(), {})).all()
    return render_template("public/home.html", editions=editions)
