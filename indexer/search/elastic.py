"""The Elasticsearch backend (official ``elasticsearch`` client, no plugin needed).

Text is analysed in Python exactly as for the embedded engine (``fields.build_fields``):
the unigram and bigram token streams are indexed with a ``whitespace`` analyzer, so a
query of n characters is the same phrase of n - 1 bigrams on both engines and the two
agree on every match (the built-in ``cjk`` analyzer would drop single characters and
fold text differently). Reindexing builds a new concrete index beside the live one and
moves the alias atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from indexer.search.base import SearchDocument, SearchRequest, SearchResponse, SearchUnavailable
from indexer.search.es_query import build_query, facet_aggs, sort_clause
from indexer.search.fields import KEYWORD_FACETS, build_fields
from indexer.search.request import facet_list, hits_of, patterns_of, prepare

BULK_CHUNK = 500

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "long"},
        "revision": {"type": "long"},
        "uni": {"type": "text", "analyzer": "lantai_ws", "index_options": "freqs", "norms": True},
        "bi": {"type": "text", "analyzer": "lantai_ws", "index_options": "positions"},
        "muni": {"type": "text", "analyzer": "lantai_ws", "index_options": "freqs"},
        "mbi": {"type": "text", "analyzer": "lantai_ws", "index_options": "positions"},
        **{name: {"type": "keyword"} for name in KEYWORD_FACETS},
        "year": {"type": "integer"},
        "date_desc_key": {"type": "long"},
        "date_asc_key": {"type": "long"},
        "title_key": {"type": "keyword"},
        "payload": {"type": "object", "enabled": False},
    },
}
SETTINGS: dict[str, Any] = {
    "analysis": {
        # Long tokens stay whole, as in the embedded engine (the default would split at 255).
        "tokenizer": {"lantai_ws": {"type": "whitespace", "max_token_length": 4096}},
        "analyzer": {"lantai_ws": {"type": "custom", "tokenizer": "lantai_ws"}},
    },
    "max_result_window": 100_000,
}


def _unavailable(exc: Exception) -> SearchUnavailable:
    return SearchUnavailable(
        f"Elasticsearch did not answer as expected: {exc}",
        "Elasticsearch 未能正常响应",
    )


class ElasticsearchBackend:
    """A ``SearchBackend`` on Elasticsearch, reached through an alias."""

    name = "elasticsearch"

    def __init__(self, url: str, alias: str, client: Elasticsearch | None = None) -> None:
        self.alias = alias
        self.es = client or Elasticsearch(url, request_timeout=30, retry_on_timeout=True, max_retries=2)
        self._ready = False

    def _ensure(self) -> None:
        """Create the first concrete index behind the alias on first use."""
        if self._ready:
            return
        try:
            if not self.es.indices.exists_alias(name=self.alias):
                self.es.indices.create(
                    index=f"{self.alias}-000001",
                    settings=SETTINGS,
                    mappings=MAPPING,
                    aliases={self.alias: {}},
                )
        except ApiError as exc:
            if getattr(exc, "error", "") != "resource_already_exists_exception":
                raise _unavailable(exc) from exc
        except TransportError as exc:
            raise _unavailable(exc) from exc
        self._ready = True

    # Writing -------------------------------------------------------------------

    @staticmethod
    def _source(doc: SearchDocument) -> dict[str, Any]:
        f = build_fields(doc)
        source: dict[str, Any] = {
            "id": doc.id,
            "revision": doc.revision,
            "uni": f.unigrams,
            "bi": f.bigrams,
            "muni": f.meta_unigrams,
            "mbi": f.meta_bigrams,
            **f.keywords,
            "year": f.year,
            "date_desc_key": f.date_desc_key,
            "date_asc_key": f.date_asc_key,
            "title_key": f.title_key,
            "payload": dict(f.payload, keywords=f.keywords, revision=doc.revision),
        }
        return source

    def _actions(self, index: str, documents: Iterable[SearchDocument]) -> Iterator[dict[str, Any]]:
        for doc in documents:
            yield {"_op_type": "index", "_index": index, "_id": str(doc.id), "_source": self._source(doc)}

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents and make them searchable before returning."""
        self._ensure()
        try:
            helpers.bulk(self.es, self._actions(self.alias, documents), chunk_size=BULK_CHUNK, refresh="wait_for")
        except (ApiError, TransportError, helpers.BulkIndexError) as exc:
            raise _unavailable(exc) from exc

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by record id."""
        self._ensure()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": str(i)} for i in ids)
        try:
            helpers.bulk(self.es, actions, chunk_size=BULK_CHUNK, refresh="wait_for", raise_on_error=False)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc

    # Rebuild ---------------------------------------------------------------------

    def _live_index(self) -> str:
        names = list(self.es.indices.get_alias(name=self.alias).body)
        return sorted(names)[-1]

    def _building_index(self) -> tuple[str, int] | None:
        """The concrete index an interrupted rebuild left, with its last committed id."""
        live = self._live_index()
        found = self.es.indices.get(index=f"{self.alias}-*", allow_no_indices=True).body
        for name in sorted(found, reverse=True):
            meta = (found[name].get("mappings") or {}).get("_meta") or {}
            if name != live and meta.get("building"):
                return name, int(meta.get("last_id", 0))
        return None

    def rebuild_checkpoint(self) -> int | None:
        """The last record id an interrupted rebuild committed, or None."""
        self._ensure()
        building = self._building_index()
        return None if building is None else building[1]

    def discard_rebuild(self) -> None:
        """Delete the index an interrupted rebuild left."""
        self._ensure()
        building = self._building_index()
        if building is not None:
            self.es.indices.delete(index=building[0])

    def rebuild(
        self,
        documents: Iterable[SearchDocument],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a new concrete index (ascending ids, resumable), then move the alias to it."""
        self._ensure()
        try:
            live = self._live_index()
            building = self._building_index()
            if building is None:
                name = f"{self.alias}-{int(time.time() * 1000)}"
                self.es.indices.create(
                    index=name,
                    settings={**SETTINGS, "refresh_interval": "-1"},
                    mappings={**MAPPING, "_meta": {"building": True, "last_id": 0}},
                )
                last_id = 0
            else:
                name, last_id = building
            count = 0
            chunk: list[SearchDocument] = []
            for doc in documents:
                if doc.id <= last_id:
                    continue
                chunk.append(doc)
                if len(chunk) >= BULK_CHUNK:
                    count += self._commit_chunk(name, chunk, progress)
                    chunk = []
            if chunk:
                count += self._commit_chunk(name, chunk, progress)
            self.es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
            self.es.indices.refresh(index=name)
            self.es.indices.put_mapping(index=name, meta={"building": False})
            self.es.indices.update_aliases(
                actions=[
                    {"remove": {"index": live, "alias": self.alias}},
                    {"add": {"index": name, "alias": self.alias}},
                ]
            )
            self.es.indices.delete(index=live)
            return count
        except (ApiError, TransportError, helpers.BulkIndexError) as exc:
            raise _unavailable(exc) from exc

    def _commit_chunk(self, name: str, chunk: list[SearchDocument], progress: Callable[[int], None] | None) -> int:
        helpers.bulk(self.es, self._actions(name, chunk), chunk_size=BULK_CHUNK)
        # The checkpoint is written after the chunk is accepted, so resuming never skips one.
        self.es.indices.put_mapping(index=name, meta={"building": True, "last_id": chunk[-1].id})
        if progress is not None:
            progress(len(chunk))
        return len(chunk)

    # Reading ------------------------------------------------------------------------

    def revisions(self) -> dict[int, int]:
        """Every indexed record id with its revision."""
        self._ensure()
        try:
            return {
                int(hit["_source"]["id"]): int(hit["_source"]["revision"])
                for hit in helpers.scan(
                    self.es, index=self.alias, query={"query": {"match_all": {}}}, source=["id", "revision"]
                )
            }
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc

    def search(self, request: SearchRequest) -> SearchResponse:
        """Answer a search; clearance, filters and facets are applied by Elasticsearch."""
        started = time.perf_counter()
        prepared = prepare(request)
        self._ensure()
        params: dict[str, Any] = {
            "query": build_query(prepared),
            "from_": request.offset,
            "size": request.limit,
            "track_total_hits": True,
            "source": ["payload"],
        }
        sort = sort_clause(request.sort)
        if sort:
            params["sort"] = sort
        if request.facets:
            params["aggs"] = facet_aggs(request.facets)
        try:
            answer = self.es.search(index=self.alias, **params)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        found = [
            (int(raw["_id"]), float(raw.get("_score") or 0.0), raw["_source"]["payload"])
            for raw in answer["hits"]["hits"]
        ]
        hits = hits_of(found, patterns_of(prepared))
        aggregations = answer.get("aggregations", {})
        facets = {
            name: facet_list(name, [(b["key"], b["doc_count"]) for b in aggregations.get(name, {}).get("buckets", [])])
            for name in request.facets
        }
        return SearchResponse(
            total=int(answer["hits"]["total"]["value"]),
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets,
            terms=prepared.term_strings,
        )

    def close(self) -> None:
        """Close the client's connections."""
        self.es.close()
