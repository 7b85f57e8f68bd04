"""The fallback home page (registered last: an area's own "/" route takes precedence)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("site", __name__)


@bp.route("/")
def home() -> Any:
    """The welcome page with the search box."""
    return render_template("home.html")
