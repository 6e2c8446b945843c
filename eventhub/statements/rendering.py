"""A statement view rendered for reading outside the API."""

from __future__ import annotations

from typing import Any

from eventhub.statements.service import render_text

MIMETYPES = {
    "text": "text/plain",
}


def render(view: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """The statement (as statements.service.view gives it) in a format; returns the body
    and its media type."""
    if fmt == "text":
        return render_text(view).encode(), MIMETYPES["text"]
    raise ValueError(f"unknown format {fmt!r}")
