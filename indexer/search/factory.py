"""The search backends, registered explicitly, and opening the one the settings name.

``LANTAI_SEARCH_BACKEND`` names a registered backend; a name nobody registered stops start-up
with a message naming the setting. A plug-in backend registers a factory the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from config.errors import ConfigurationError
from config.settings import Settings
from indexer.search.base import SearchBackend

BackendFactory = Callable[[Settings], SearchBackend]

_BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make a backend available under ``name`` (the value of ``LANTAI_SEARCH_BACKEND``)."""
    _BACKENDS[name] = factory


def _embedded(settings: Settings) -> SearchBackend:
    from indexer.search.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.index_dir)


def _elasticsearch(settings: Settings) -> SearchBackend:
    from indexer.search.elastic import ElasticsearchBackend

    return ElasticsearchBackend(str(settings.elasticsearch_url), settings.elasticsearch_index)


register_backend("embedded", _embedded)
register_backend("elasticsearch", _elasticsearch)


def open_backend(settings: Settings) -> SearchBackend:
    """The backend ``settings.search_backend`` names, opened on ``settings``."""
    factory = _BACKENDS.get(settings.search_backend)
    if factory is None:
        raise ConfigurationError(
            f"LANTAI_SEARCH_BACKEND={settings.search_backend!r} is not a search backend; "
            f"use one of {', '.join(sorted(_BACKENDS))}",
            f"LANTAI_SEARCH_BACKEND={settings.search_backend!r} 不是可用的检索后端；"
            f"可用：{'、'.join(sorted(_BACKENDS))}",
        )
    return factory(settings)
