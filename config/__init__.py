"""Lantai configuration: typed settings read from ``LANTAI_*`` variables, and the error base."""

from __future__ import annotations

from config.errors import LantaiError
from config.settings import Settings, SettingsError, load_settings

__all__ = ["LantaiError", "Settings", "SettingsError", "load_settings"]
