"""Routes of the notifications page, the "mark read" form, and the bell's figures for the header."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for

from archive import notifications
from archive.catalog.accounts import User
from portal.auth import current_user, lantai, login_required

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global()
def unread_notifications() -> int:
    """How many unread notifications the signed-in user has (0 for visitors); once per request."""
    if "unread_notifications" not in g:
        user = current_user()
        if user is None:
            g.unread_notifications = 0
        else:
            with lantai().catalog.session() as db:
                g.unread_notifications = sum(notifications.unread_counts(db, _attached(db, user)).values())
    return int(g.unread_notifications)


def _attached(db: Any, user: User) -> User:
    """The user as a row of ``db``'s session (the request's user may come from another session)."""
    return db.get(User, user.id) or user


@bp.get("/")
@login_required
def index() -> Any:
    """Every kind the user is told about, unread first, with a "mark read" button each."""
    user = current_user()
    assert user is not None  # noqa: S101 - login_required
    with lantai().catalog.session() as db:
        found = notifications.notices(db, _attached(db, user))
        return render_template("notifications/index.html", notices=found)


@bp.post("/read")
@login_required
def mark_read() -> Any:
    """Mark one kind (``kind``), or every kind, read."""
    user = current_user()
    assert user is not None  # noqa: S101 - login_required
    kind = request.form.get("kind") or None
    with lantai().catalog.session() as db:  # an unknown kind: UnknownTerm, a 400 in the user's language
        notifications.mark_read(db, _attached(db, user), kind)
    return redirect(url_for("notifications.index"), 303)
