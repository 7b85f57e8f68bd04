"""The record area: record page with page viewer, page images, thumbnails, text and downloads."""

from __future__ import annotations

from portal.records.views import bp

__all__ = ["bp"]
