"""Lantai's portal: the Flask application (search, records, accounts, audit) and the CLI."""

from __future__ import annotations

from portal.app import create_app

__all__ = ["create_app"]
