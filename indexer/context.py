"""The running Lantai: settings, catalog, storage and search backend, made once at start.

The CLI, the Flask app and the Celery worker each build one ``Lantai`` from the settings
they read at start-up; nothing is read or connected at import time.
"""

from __future__ import annotations

import logging
from functools import cached_property

from archive.catalog.db import Catalog
from archive.catalog.sealing import install as install_sealer
from archive.encryption import key_for_data_dir
from archive.storage import LocalStorage
from config.settings import Settings, load_settings
from indexer.search.base import SearchBackend
from indexer.search.sync import SearchSync

log = logging.getLogger(__name__)


class Lantai:
    """Everything a command, request or task needs, built from one ``Settings``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The catalog hands the records a transaction changed to the index (explicitly marked).
        self.catalog = Catalog(settings.catalog_url, index_sync=SearchSync(self))
        # A wrong or missing encryption key stops start-up here, never garbage later.
        key = key_for_data_dir(settings.data_dir, settings.encryption_key_file)
        self.storage = LocalStorage(settings.data_dir, key)
        # Page text in the catalog is sealed under the same key (archive/catalog/sealing.py).
        install_sealer(self.catalog.engine, key)

    @classmethod
    def from_environment(cls) -> Lantai:
        """Read the settings from ``LANTAI_*`` variables and build the context."""
        return cls(load_settings())

    @cached_property
    def search(self) -> SearchBackend:
        """The configured search backend, opened on first use."""
        from indexer.search.factory import open_backend

        return open_backend(self.settings)

    def after_fork(self) -> None:
        """In a forked worker process: never reuse the parent's connections or index handles."""
        self.catalog.engine.dispose(close=False)
        self.__dict__.pop("search", None)

    def close(self) -> None:
        """Release the index and database connections."""
        if "search" in self.__dict__:
            self.search.close()
        self.catalog.dispose()


_current: Lantai | None = None


def current() -> Lantai:
    """The process's context (worker processes build it on first use from the environment)."""
    global _current
    if _current is None:
        _current = Lantai.from_environment()
    return _current


def set_current(lantai: Lantai | None) -> None:
    """Install the process's context (the CLI, the app factory and tests do this)."""
    global _current
    _current = lantai
