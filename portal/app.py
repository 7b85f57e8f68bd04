"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from config.settings import Settings, load_settings
from indexer.context import Lantai, set_current


def create_app(settings: Settings | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the portal for ``settings`` (read from the environment when not given)."""
    settings = settings or load_settings()
    lantai = Lantai(settings)
    lantai.catalog.upgrade()
    set_current(lantai)

    app = Flask(__name__)
    app.config.from_mapping(SECRET_KEY=settings.signing_secret(), MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024)
    if test_config:
        app.config.update(test_config)
    app.extensions["lantai"] = lantai
    return app
