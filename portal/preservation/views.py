"""Admin page of fixity (固定性检查): the latest runs, the failures with their records, free space."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import get_locale

from portal.auth import admin_required, lantai
from preservation.fixity import free_space, never_checked, recent_runs

bp = Blueprint("preservation", __name__, url_prefix="/admin/preservation")


@bp.route("/fixity")
@admin_required
def fixity() -> Any:
    """Each recent run's figures, and every failure of the latest runs with its record."""
    ctx = lantai()
    runs = recent_runs(ctx, 20)
    percent, low = free_space(ctx)
    english = str(get_locale()) == "en"
    return render_template(
        "preservation/fixity.html", runs=runs, never_checked=never_checked(ctx), free_percent=percent,
        free_low=low, problem_key="problem_en" if english else "problem_zh",
        threshold=ctx.settings.free_space_warn_percent,
    )
