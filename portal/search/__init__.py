"""The search area: the faceted search page."""

from __future__ import annotations

from portal.search.views import bp

__all__ = ["bp"]
