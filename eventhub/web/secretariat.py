"""Pages: secretariat (being written)."""

from __future__ import annotations

from flask import Blueprint

blp = Blueprint("web_secretariat", __name__)
