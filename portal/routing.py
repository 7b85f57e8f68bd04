"""URL converters: an ``<int:...>`` in a route only matches what the catalog can hold.

Ids are 64-bit signed integers in SQLite and PostgreSQL; a larger number in a URL would reach
the database driver and fail there (an overflow, a 500). Such a URL names nothing, so it is
answered 404 like any other unknown id, before a view runs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from archive.catalog.models import LARGEST_ID


class CatalogInteger(IntegerConverter):
    """``int`` bounded by the catalog's integer (an explicit ``max`` may lower it)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the bounded converter as ``int`` (before any blueprint adds a route)."""
    app.url_map.converters["int"] = CatalogInteger
