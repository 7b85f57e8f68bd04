"""The Flask application factory: settings, extensions, one blueprint per area, error pages."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from config.errors import LantaiError
from config.settings import Settings, load_settings
from indexer.context import Lantai, set_current
from portal.i18n import localized

log = logging.getLogger(__name__)

# Blueprints, one per area, registered in this order as "module:attribute" import paths.
# An area adds its line here; a blueprint whose module does not exist yet is skipped with a
# warning so areas can land one at a time. "portal.site:bp" (the fallback home page) stays
# last so an area's "/" route wins.
BLUEPRINTS: list[str] = [
    "portal.i18n:bp",
    "portal.auth.views:bp",
    "portal.admin.views:bp",
    "portal.requests.views:bp",
    "portal.search.views:bp",
    "portal.records.views:bp",
    "portal.upload.views:bp",
    "portal.api.views:bp",
    "portal.audit.views:bp",
    "portal.describe.views:bp",
    "portal.site:bp",
]

# Blueprints authenticated by API token (``authenticate_request``), exempt from form CSRF.
CSRF_EXEMPT_BLUEPRINTS = frozenset({"api"})

ERROR_TITLES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Not signed in"), _l("Please log in to continue.")),
    403: (_l("Access denied"), _l("You do not have permission to view this page or record.")),
    404: (_l("Not found"), _l("There is no such page or record, or you may not see it.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The upload is larger than this portal accepts.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (_l("Server error"), _l("Something went wrong on our side. Please try again later.")),
}


def _load_blueprint(path: str) -> Any:
    module_name, _sep, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            log.warning("blueprint %s not present yet; skipped", path)
            return None
        raise
    return getattr(module, attribute or "bp")


def register_blueprints(app: Flask, paths: list[str]) -> None:
    """Import and register each blueprint of ``paths``; exempt the API ones from CSRF."""
    from portal.security import csrf

    for path in paths:
        blueprint = _load_blueprint(path)
        if blueprint is None:
            continue
        app.register_blueprint(blueprint)
        if blueprint.name in CSRF_EXEMPT_BLUEPRINTS:
            csrf.exempt(blueprint)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def render_error(status: int, message: str | None = None) -> Any:
    """An error page (or JSON under /api) in the user's language, with the right status."""
    title, text = ERROR_TITLES.get(status, ERROR_TITLES[500])
    if _wants_json():
        return {"error": {"status": status, "message": message or str(text)}}, status
    return render_template("errors/error.html", status=status, title=str(title), text=message or str(text)), status


def register_error_handlers(app: Flask) -> None:
    """Error pages for HTTP errors, for ``LantaiError`` and for anything unexpected."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if exc.code is None or exc.code < 400:
            return exc
        return render_error(exc.code)

    @app.errorhandler(LantaiError)
    def _lantai_error(exc: LantaiError) -> Any:
        if _wants_json():
            return {"error": {"status": exc.http_status, **exc.to_dict()}}, exc.http_status
        return render_error(exc.http_status, localized(exc))

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError) -> Any:
        original = getattr(exc, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s", request.path, exc_info=original)
        return render_error(500)


def create_app(settings: Settings | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the portal for ``settings`` (read from the environment when not given)."""
    from portal import auth, i18n, layout, security

    settings = settings or load_settings()
    lantai = Lantai(settings)
    lantai.catalog.upgrade()
    set_current(lantai)

    app = Flask(__name__)
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

    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    layout.init_app(app)
    register_blueprints(app, BLUEPRINTS)
    register_error_handlers(app)
    return app
