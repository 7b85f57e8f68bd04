"""Saved searches in the portal: keep the search on screen by name (optionally with an alert on new
matching records), list them with their new matches, open, switch the alert, delete.

The changes go through ``archive.saved_searches`` (audited there); the alert check is the worker's
``search_alerts`` task (``indexer.alerts``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from archive import saved_searches
from config.errors import InputError
from portal.audit.web import where
from portal.auth import current_user, lantai, login_required
from portal.i18n import localized
from portal.search.params import parse_state, period_bound

bp = Blueprint("saved", __name__, url_prefix="/search/saved")


@bp.get("")
@login_required
def index() -> str:
    """The user's saved searches, with new matches since each was last opened."""
    user = current_user()
    with lantai().catalog.session() as db:
        searches = saved_searches.of_user(db, user)  # type: ignore[arg-type]
        db.expunge_all()
    return render_template("search/saved.html", searches=searches)


@bp.post("")
@login_required
def save() -> Any:
    """Keep the search whose parameters the form carries."""
    user = current_user()
    params = request.form.get("params", "")
    back = url_for("search.search") + ("?" + params if params else "")
    try:
        state = parse_state(MultiDict(parse_qsl(params)))
        if state.is_empty:
            raise saved_searches.SavedSearchError("There is no search to save", "没有可保存的检索")
        with lantai().catalog.session() as db:
            saved_searches.save(
                db,
                user,  # type: ignore[arg-type]
                name=request.form.get("name", "") or state.query,
                params=state.url_query(),
                query=state.query,
                filters=state.filters,
                date_from=period_bound(state.date_from, "from"),
                date_to=period_bound(state.date_to, "to", end=True),
                alert=request.form.get("alert") == "on",
                where=where(),
            )
    except InputError as exc:
        flash(localized(exc), "error")
        return redirect(back)
    flash(_("检索已保存。"), "success")
    return redirect(url_for("saved.index"))


@bp.get("/<int:search_id>")
@login_required
def open_search(search_id: int) -> Any:
    """Run a saved search; its new matches count as seen."""
    with lantai().catalog.session() as db:
        saved = saved_searches.mark_seen(db, current_user(), search_id)  # type: ignore[arg-type]
        params = saved.params
    return redirect(url_for("search.search") + "?" + params)


@bp.post("/<int:search_id>/alert")
@login_required
def alert(search_id: int) -> Any:
    """Switch the alert on or off."""
    on = request.form.get("alert") == "on"
    with lantai().catalog.session() as db:
        saved_searches.set_alert(db, current_user(), search_id, on, where=where())  # type: ignore[arg-type]
    flash(_("已开启新结果提醒。") if on else _("已关闭新结果提醒。"), "success")
    return redirect(url_for("saved.index"))


@bp.post("/<int:search_id>/delete")
@login_required
def delete(search_id: int) -> Any:
    """Forget a saved search."""
    with lantai().catalog.session() as db:
        saved_searches.delete(db, current_user(), search_id, where=where())  # type: ignore[arg-type]
    flash(_("已删除保存的检索。"), "success")
    return redirect(url_for("saved.index"))
