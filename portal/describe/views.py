"""The description area's blueprint (``describe``): an overview page plus the routes of each page."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import func, select

from archive.catalog.description import ClassificationRule, ReviewItem, ReviewStatus
from archive.catalog.models import Record
from portal.auth import lantai, staff_required

# Importing the page modules registers their routes on ``bp``.
from portal.describe import batch_views, record_views, review_views, rule_views, transfer_views
from portal.describe.common import bp

__all__ = ["batch_views", "bp", "record_views", "review_views", "rule_views", "transfer_views"]


@bp.get("/")
@staff_required
def index() -> Any:
    """The overview: what waits for review, and the links to each description page."""
    with lantai().catalog.session() as db:
        pending = db.scalar(select(func.count()).where(ReviewItem.status == ReviewStatus.PENDING)) or 0
        flagged = db.scalar(select(func.count()).select_from(Record).where(Record.needs_review.is_(True))) or 0
        rules = db.scalar(select(func.count()).select_from(ClassificationRule)) or 0
    return render_template("describe/index.html", pending=pending, flagged=flagged, rules=rules)
