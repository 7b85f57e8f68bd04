"""Collection tests use the portal's fixtures (app, client, auth, runner)."""

from __future__ import annotations

from tests.portal.conftest import app, auth, client, make_app, runner  # noqa: F401
