"""The Flask application factory: settings, extensions, one blueprint per area, error pages."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import Settings, load_settings
from indexer.context import Lantai, set_current
from portal.errors import register_error_handlers

log = logging.getLogger(__name__)

# Blueprints, one per area, registered in this order as "module:attribute" import paths.
# An area adds its line here; one that cannot be imported stops start-up (never a portal
# quietly missing an area). "portal.site:bp" (the fallback home page) stays last so an
# area's "/" route wins.
BLUEPRINTS: list[str] = [
    "portal.i18n:bp",
    "portal.auth.views:bp",
    "portal.admin.views:bp",
    "portal.requests.views:bp",
    "portal.search.views:bp",
    "portal.search.browse:bp",
    "portal.search.advanced:bp",
    "portal.search.export:bp",
    "portal.search.saved:bp",
    "portal.records.views:bp",
    "portal.upload.views:bp",
    "portal.api.views:bp",
    "portal.audit.views:bp",
    "portal.describe.views:bp",
    "portal.collection.views:bp",
    "portal.collection.api:bp",
    "portal.lifecycle.views:bp",
    "portal.lifecycle.api:bp",
    "portal.preservation.views:bp",
    "portal.work.views:bp",
    "portal.notifications.views:bp",
    "portal.site:bp",
]

# Blueprints authenticated by API token (``authenticate_request``), exempt from form CSRF.
CSRF_EXEMPT_BLUEPRINTS = frozenset({"api", "collection_api", "lifecycle_api"})

def _load_blueprint(path: str) -> Any:
    module_name, _sep, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute or "bp")


def register_blueprints(app: Flask, paths: list[str]) -> None:
    """Import and register each blueprint of ``paths``; exempt the API ones from CSRF."""
    from portal.security import csrf

    for path in paths:
        blueprint = _load_blueprint(path)
        app.register_blueprint(blueprint)
        if blueprint.name in CSRF_EXEMPT_BLUEPRINTS:
            csrf.exempt(blueprint)


def create_app(settings: Settings | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the portal for ``settings`` (read from the environment when not given)."""
    from portal import auth, i18n, layout, routing, security
    from portal.templating import LocalizedFlask

    settings = settings or load_settings()
    lantai = Lantai(settings)
    lantai.catalog.upgrade()
    set_current(lantai)

    app = LocalizedFlask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.signing_secret(),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_NAME="lantai_session",
        TEMPLATES_AUTO_RELOAD=False,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["lantai"] = lantai
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
        )

    routing.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    layout.init_app(app)
    register_blueprints(app, BLUEPRINTS)
    register_error_handlers(app)
    return app
