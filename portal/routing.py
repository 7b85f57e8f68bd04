"""URLs: converters, and the templates' ``url_for``.

An ``<int:...>`` in a route only matches what the catalog can hold. Ids are 64-bit signed
integers in SQLite and PostgreSQL; a larger number in a URL would reach the database driver
and fail there (an overflow, a 500). Such a URL names nothing, so it is answered 404 like any
other unknown id, before a view runs.

Templates build the same URLs on every page (style sheets, scripts, the header's links: about
15 on a search page), each through Werkzeug's rule builder. ``url_for`` in templates keeps the
URLs it built, per scheme, request root and host: the URL map does not change once the app runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, url_for
from flask.globals import request_ctx
from werkzeug.routing import IntegerConverter, Map

from archive.catalog.models import LARGEST_ID


class CatalogInteger(IntegerConverter):
    """``int`` bounded by the catalog's integer (an explicit ``max`` may lower it)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


URL_CACHE = 2048  # URLs kept per app; a page's own links (its query in them) come and go

BuildUrl = Callable[[str, str, str, "str | None", str, tuple[tuple[str, Any], ...]], str]


def template_url_for(app: Flask, built: BuildUrl, endpoint: str, **values: Any) -> str:
    """``url_for`` for templates: a URL already built for this scheme, root and host is reused
    (``_external`` and the like are values of the key like any other).

    Relative endpoints (``.name``, which depend on the request's blueprint), values that cannot
    be keys, calls outside a request and apps with URL defaults go to ``url_for`` itself.
    """
    adapter = request_ctx.url_adapter if has_request_context() else None
    if adapter is None or endpoint[:1] == "." or app.url_default_functions:
        return url_for(endpoint, **values)
    try:
        where = (adapter.url_scheme, adapter.script_name, adapter.server_name, adapter.subdomain)
        return built(*where, endpoint, tuple(values.items()))
    except TypeError:  # a value that cannot be a key
        return url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    """Install the bounded converter as ``int`` (before any blueprint adds a route), and the
    templates' ``url_for``."""
    app.url_map.converters["int"] = CatalogInteger

    @functools.lru_cache(maxsize=URL_CACHE)
    def built(
        scheme: str, root: str, host: str, subdomain: str | None, endpoint: str, values: tuple[tuple[str, Any], ...]
    ) -> str:
        return url_for(endpoint, **dict(values))  # in the request that asked first: same scheme, root, host

    app.jinja_env.globals["url_for"] = functools.partial(template_url_for, app, built)
