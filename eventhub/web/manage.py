"""Organizer pages: editions dashboard, invitations, roster, programme editor, check-in."""

from __future__ import annotations

from flask import Blueprint, render_template

from eventhub.auth.permissions import Permission
from eventhub.editions.service import list_editions
from eventhub.extensions import db
from eventhub.web.common import page_actor, page_requires

blp = Blueprint("web_manage", __name__, url_prefix="/manage")


@blp.get("/")
@page_requires(Permission.READ_INTERNAL)
def dashboard():
    editions = db.session.scalars(list_editions(page_actor(), {})).all()
    return render_template("manage/dashboard.html", editions=editions)
