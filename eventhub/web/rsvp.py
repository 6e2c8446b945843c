"""Pages: rsvp (being written)."""

from __future__ import annotations

from flask import Blueprint

blp = Blueprint("web_rsvp", __name__)
