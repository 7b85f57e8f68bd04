"""Opening the configured search backend."""

from __future__ import annotations

from config.settings import Settings
from indexer.search.base import SearchBackend


def open_backend(settings: Settings) -> SearchBackend:
    """The embedded index in ``settings.index_dir`` or Elasticsearch, per ``search_backend``."""
    if settings.search_backend == "elasticsearch":
        from indexer.search.elastic import ElasticsearchBackend

        return ElasticsearchBackend(str(settings.elasticsearch_url), settings.elasticsearch_index)
    from indexer.search.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.index_dir)
