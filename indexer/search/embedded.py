"""The embedded search backend: a Tantivy index in ``settings.index_dir``.

Layout: ``CURRENT`` names the live generation folder (``gen-000001``, ...). ``rebuild``
writes a new generation beside it (``building.json`` records its progress, so an
interrupted rebuild resumes), then swaps ``CURRENT`` atomically; readers in any process
notice the new name on their next search. One writer at a time per generation, across
processes, through a ``flock`` on the generation's ``write.lock``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import tantivy

from indexer.search.base import (
    SearchDocument,
    SearchRequest,
    SearchResponse,
    SearchUnavailable,
)
from indexer.search.facets import FacetCounter
from indexer.search.fields import KEYWORD_FACETS, access_sets, build_fields
from indexer.search.generations import flock, next_gen, write_atomic
from indexer.search.request import hits_of, patterns_of, prepare
from indexer.search.tantivy_query import QueryBuilder

WRITER_HEAP = 50_000_000
REBUILD_HEAP = 128_000_000  # keeps a rebuild of 100k records under ~0.8 GB RSS, index pages included
REBUILD_COMMIT_EVERY = 100_000  # a commit flushes small segments that merges rewrite; a resume redoes <= this
REBUILD_THREADS = 2
RELOAD_AT_LEAST_EVERY = 1.0  # seconds
# The document store's block: a hit's stored payload is read by decompressing its whole block.
# Tantivy's 16 KB holds about four records here; 4 KB about one, which took reading a search's
# 10 stored hits from 0.21 to 0.15 ms (p50; mean 0.23-0.33 to 0.17) at 100,000 records, for 6%
# more index (5,512 to 5,834 bytes a record, ``bench_search.py``).
DOCSTORE_BLOCKSIZE = 4096


def build_schema() -> tantivy.Schema:
    """The index schema (see ``fields.IndexedFields``)."""
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("revision", stored=True, fast=True)
    sb.add_text_field("uni", tokenizer_name="lantai_ws", index_option="freq")
    sb.add_text_field("bi", tokenizer_name="lantai_ws", index_option="position")
    sb.add_text_field("muni", tokenizer_name="lantai_ws", index_option="freq")
    sb.add_text_field("mbi", tokenizer_name="lantai_ws", index_option="position")
    for name in KEYWORD_FACETS:
        sb.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_text_field("access", tokenizer_name="lantai_ws", index_option="basic")  # fields.access_sets
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("date_desc_key", indexed=True, fast=True)
    sb.add_integer_field("date_asc_key", fast=True)
    sb.add_text_field("title_key", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_bytes_field("payload", stored=True)
    return sb.build()


def whitespace_analyzer() -> tantivy.TextAnalyzer:
    """The ``lantai_ws`` tokenizer: token streams are analysed in Python (``analysis``)."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


_UNSIGNED = frozenset({"id", "revision"})
_INTEGER = frozenset({"year", "date_desc_key", "date_asc_key"})


def tantivy_document(values: Iterable[tuple[str, Any]]) -> tantivy.Document:
    """A Tantivy document of (field, value) pairs (``EmbeddedBackend.document_values``)."""
    document = tantivy.Document()
    for name, value in values:
        if name in _UNSIGNED:
            document.add_unsigned(name, value)
        elif name in _INTEGER:
            document.add_integer(name, value)
        elif name == "payload":
            document.add_bytes(name, value)
        else:
            document.add_text(name, value)
    return document


class EmbeddedBackend:
    """A ``SearchBackend`` on Tantivy, safe for one writer and many reader processes."""

    name = "embedded"

    def __init__(self, index_dir: Path) -> None:
        self.dir = Path(index_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        self.queries = QueryBuilder(self.schema)
        self._gen: str | None = None
        self._index: tantivy.Index | None = None
        self._current = str(self.dir / "CURRENT")
        self._current_seen: tuple[tuple[int, int, int], str] | None = None  # CURRENT's stat and text
        self._stamp: tuple[int, int, int] | None = None  # meta.json when the index was last reloaded
        self._reloaded = 0.0
        self.facets = FacetCounter()

    # Generations ------------------------------------------------------------

    def _read_current(self) -> str:
        try:
            # Read again only when replaced (``write_atomic``: a new inode): a search checks
            # it every time, and a stat costs a tenth of reading the file.
            stamp = _stat_stamp(self._current)
            if self._current_seen is None or self._current_seen[0] != stamp:
                self._current_seen = (stamp, Path(self._current).read_text().strip())
            return self._current_seen[1]
        except FileNotFoundError:
            path = self.dir / "CURRENT"
            with flock(self.dir / "setup.lock"):
                if not path.exists():
                    self._open(self.dir / "gen-000001")
                    write_atomic(path, "gen-000001")
            return path.read_text().strip()

    def _open(self, folder: Path) -> tantivy.Index:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            new = not (folder / "meta.json").exists()
            index = tantivy.Index(self.schema, path=str(folder), reuse=True)
            if new:
                index = _with_store_blocks(index, folder, DOCSTORE_BLOCKSIZE)
        except (OSError, ValueError) as exc:
            raise SearchUnavailable(
                f"The search index in {folder} cannot be opened ({exc}); run `lantai reindex`.",
                f"无法打开检索索引 {folder}；请运行 `lantai reindex`。",
            ) from exc
        index.register_tokenizer("lantai_ws", whitespace_analyzer())
        return index

    def _live(self) -> tantivy.Index:
        """The live generation's index, reopened when another process swapped it."""
        gen = self._read_current()
        if gen != self._gen or self._index is None:
            self._index = self._open(self.dir / gen)
            self._gen = gen
        return self._index

    # Writing ------------------------------------------------------------------

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by id) and commit."""
        docs = list(documents)
        if docs:

            def add_all(writer: Any) -> None:
                for d in docs:
                    self._add(writer, d, replace=True)

            self._write(add_all)

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by record id and commit."""
        id_list = list(ids)
        if id_list:

            def delete_all(writer: Any) -> None:
                for record_id in id_list:
                    self._delete(writer, record_id)

            self._write(delete_all)

    def _write(self, action: Callable[[Any], Any]) -> None:
        while True:
            index = self._live()
            gen = str(self._gen)
            with flock(self.dir / gen / "write.lock"):
                # A rebuild swaps generations while holding the live one's lock: a writer
                # that waited on the old generation follows the swap instead of writing
                # into an index no one reads any more.
                if self._read_current() != gen:
                    continue
                writer = _writer(index, WRITER_HEAP, 1)
                try:
                    action(writer)
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    writer.wait_merging_threads()
            index.reload()
            return

    def _delete(self, writer: Any, record_id: int) -> None:
        # By query: a term built by ``delete_documents_by_term`` from a Python int does not
        # match the u64 id field (tantivy-py 0.27), a query built against the schema does.
        writer.delete_documents_by_query(tantivy.Query.term_query(self.schema, "id", int(record_id)))

    def _add(self, writer: Any, doc: SearchDocument, replace: bool) -> None:
        if replace:
            self._delete(writer, doc.id)
        writer.add_document(self.document(doc))

    def document(self, doc: SearchDocument) -> tantivy.Document:
        """The Tantivy document of a record."""
        return tantivy_document(self.document_values(doc))

    @staticmethod
    def document_values(doc: SearchDocument) -> list[tuple[str, Any]]:
        """What the index holds for a record, as (field, value) pairs (see ``build_schema``)."""
        f = build_fields(doc)
        values: list[tuple[str, Any]] = [
            ("id", int(doc.id)),
            ("revision", int(doc.revision)),
            ("uni", f.unigrams),
            ("bi", f.bigrams),
            ("muni", f.meta_unigrams),
            ("mbi", f.meta_bigrams),
            *f.keywords.items(),
            ("access", access_sets(doc.access_level)),
            ("date_desc_key", f.date_desc_key),
            ("date_asc_key", f.date_asc_key),
            ("title_key", f.title_key),
        ]
        if f.year is not None:
            values.append(("year", int(f.year)))
        payload = dict(f.payload, keywords=f.keywords)
        values.append(("payload", encode_payload(payload)))
        return values

    # Rebuild --------------------------------------------------------------------

    def rebuild_checkpoint(self) -> int | None:
        """The last record id an interrupted rebuild committed (resume after it), or None."""
        state = self._building_state()
        return None if state is None else int(state["last_id"])

    def discard_rebuild(self) -> None:
        """Forget an interrupted rebuild, so the next one starts over."""
        with flock(self.dir / "rebuild.lock", blocking=False):
            state = self._building_state()
            (self.dir / "building.json").unlink(missing_ok=True)
            if state is not None and state["gen"] != self._read_current():
                shutil.rmtree(self.dir / state["gen"], ignore_errors=True)

    def _building_state(self) -> dict[str, Any] | None:
        path = self.dir / "building.json"
        if not path.exists():
            return None
        state: dict[str, Any] = json.loads(path.read_text())
        return state if (self.dir / state["gen"]).is_dir() else None

    def rebuild(
        self,
        documents: Iterable[SearchDocument],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a new generation from ``documents`` (ascending ids), then swap it in.

        An interrupted rebuild resumes: documents at or below the last committed id are
        skipped (callers may start their stream after ``rebuild_checkpoint()``).
        """
        with flock(self.dir / "rebuild.lock", blocking=False):
            live = self._read_current()
            state = self._building_state()
            if state is None:
                gen = next_gen(live, self.dir)
                state = {"gen": gen, "last_id": 0, "count": 0}
                shutil.rmtree(self.dir / gen, ignore_errors=True)
                write_atomic(self.dir / "building.json", json.dumps(state))
            gen = state["gen"]
            index = self._open(self.dir / gen)
            count = int(state["count"])
            last_id = int(state["last_id"])
            with flock(self.dir / gen / "write.lock"):
                writer = _writer(index, REBUILD_HEAP, REBUILD_THREADS)
                pending = 0
                try:
                    for doc in documents:
                        if doc.id <= last_id:
                            continue
                        self._add(writer, doc, replace=False)
                        last_id, count, pending = doc.id, count + 1, pending + 1
                        if progress is not None:
                            progress(1)
                        if pending >= REBUILD_COMMIT_EVERY:
                            writer.commit()
                            pending = 0
                            state.update(last_id=last_id, count=count)
                            write_atomic(self.dir / "building.json", json.dumps(state))
                    writer.commit()
                finally:
                    writer.wait_merging_threads()
            with flock(self.dir / live / "write.lock"):
                write_atomic(self.dir / "CURRENT", gen)
            (self.dir / "building.json").unlink(missing_ok=True)
            self._drop_old(keep={gen, live})
            return count

    def _drop_old(self, keep: set[str]) -> None:
        # The generation just replaced stays one round, for readers still holding it.
        for folder in self.dir.glob("gen-*"):
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    # Reading -----------------------------------------------------------------

    def revisions(self) -> dict[int, int]:
        """Every indexed record id with the revision it holds."""
        index = self._live()
        index.reload()
        searcher = index.searcher()
        total = searcher.num_docs
        if total == 0:
            return {}
        result = searcher.search(tantivy.Query.all_query(), total, count=False)
        addresses = [address for _, address in result.hits]
        ids = searcher.fast_field_values("id", addresses)
        revs = searcher.fast_field_values("revision", addresses)
        return {int(i or 0): int(r or 0) for i, r in zip(ids, revs, strict=True)}

    def search(self, request: SearchRequest) -> SearchResponse:
        """Answer a search inside the caller's clearance.

        The hits and the facets share one access filter and the same matches; the
        facets that would not fit in ``request.facet_budget_ms`` are left out and named in
        ``facets_incomplete``; only the hits returned are fetched and highlighted.
        """
        started = time.perf_counter()
        prepared = prepare(request)
        searcher = self._searcher()
        built = self.queries.build(prepared)
        order = self.queries.order(request.sort)
        limit = max(1, request.limit)  # Tantivy refuses a limit of 0 (a facets-only request)
        try:
            if order is None:
                result = searcher.search(built.hits, limit, count=True, offset=request.offset)
            else:
                result = searcher.search(
                    built.hits, limit, count=True, offset=request.offset, order_by_field=order[0], order=order[1]
                )
            total = int(getattr(result, "count", 0) or 0)
            facets, incomplete = self.facets.count(searcher, built.facets, request, total)
        except ValueError as exc:
            raise SearchUnavailable(f"The search failed: {exc}", "检索失败") from exc
        found = []
        for key, address in result.hits[: request.limit]:
            stored = searcher.doc(address)
            score = float(key) if order is None else 0.0
            found.append((int(stored["id"][0]), score, decode_payload(stored["payload"][0])))
        hits = hits_of(found, patterns_of(prepared))
        return SearchResponse(
            total=total,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=facets,
            terms=prepared.term_strings,
            facets_incomplete=incomplete,
        )

    def _searcher(self) -> Any:
        """A searcher of the live generation with every commit so far (any process's).

        Reloading costs about as much as a rare term's search, so it is done when a commit
        replaced ``meta.json`` (another inode, time or size), and at least every second in
        case two commits left the same three.
        """
        index = self._live()
        try:
            stamp: tuple[int, int, int] | None = _stat_stamp(f"{self.dir}/{self._gen}/meta.json")
        except FileNotFoundError:
            stamp = None
        now = time.monotonic()
        if stamp is None or stamp != self._stamp or now - self._reloaded > RELOAD_AT_LEAST_EVERY:
            index.reload()
            self._stamp, self._reloaded = stamp, now
        return index.searcher()

    def close(self) -> None:
        """Drop the open index (files are released when the last searcher goes)."""
        self._index = None
        self._gen = None


def _with_store_blocks(index: tantivy.Index, folder: Path, blocksize: int) -> tantivy.Index:
    """A new, empty index with the document store's block size set.

    tantivy-py creates an index with Tantivy's default settings; Tantivy keeps them in
    ``meta.json`` (``index_settings``) and every writer and merge of the index reads them
    from there, so they are set there before the first document and kept by every commit.
    """
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    if meta.get("segments") or meta["index_settings"].get("docstore_blocksize") == blocksize:
        return index
    meta["index_settings"]["docstore_blocksize"] = blocksize
    write_atomic(meta_path, json.dumps(meta, indent=2))
    return tantivy.Index.open(str(folder))


def _stat_stamp(path: str) -> tuple[int, int, int]:
    """A file's inode, change time and size: another when the file was replaced or rewritten."""
    st = os.stat(path)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def encode_payload(payload: dict[str, Any]) -> bytes:
    """A record's stored payload: JSON (``default=str`` for any display field's value)."""
    return json.dumps(payload, ensure_ascii=False, default=str).encode()


def decode_payload(raw: bytes) -> dict[str, Any]:
    """A stored payload read back: orjson, a quarter of ``json``'s time (a search reads one per
    hit); ``json`` for what orjson refuses and ``json.dumps`` can write (NaN)."""
    try:
        payload: dict[str, Any] = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = json.loads(raw)
    return payload


def _writer(index: tantivy.Index, heap: int, threads: int) -> Any:
    try:
        return index.writer(heap, threads)
    except ValueError as exc:
        raise SearchUnavailable(
            f"The search index is locked by another writer ({exc}).",
            "检索索引正被另一个写入进程锁定。",
        ) from exc
