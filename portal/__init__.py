"""Lantai's portal: the Flask application (search, records, accounts, audit) and the CLI.

``create_app`` is imported on first use, so that ``lantai`` commands that never serve a
page (``lantai ingest``, ``lantai worker``) start without loading Flask and every blueprint.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from portal.app import create_app

        return create_app
    raise AttributeError(f"module 'portal' has no attribute {name!r}")
