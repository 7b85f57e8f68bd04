"""Imports every built-in extractor module so each registers itself."""

from __future__ import annotations
