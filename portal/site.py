"""The fallback home page (registered last: an area's own "/" route takes precedence)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("site", __name__)


@bp.route("/")
def home() -> Any:
    """The welcome page with the search box; for archive staff, what is due (``lifecycle.due``)."""
    from portal.auth import current_user, lantai

    user = current_user()
    counts = None
    if user is not None and user.is_staff:
        from archive.clock import SYSTEM
        from lifecycle.due import due_counts

        with lantai().catalog.session() as session:
            counts = due_counts(session, SYSTEM.now(), lantai().settings)
    return render_template("home.html", due=counts)
