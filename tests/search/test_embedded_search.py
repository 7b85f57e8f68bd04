"""The embedded backend's own guarantees beyond the contract: the access filter's two
branches score alike, and facets beyond the time budget are left out and named."""

from __future__ import annotations

import dataclasses

import pytest
import tantivy

from archive.access import Clearance
from indexer.search.base import FACETS, SearchRequest
from indexer.search.embedded import EmbeddedBackend, build_schema
from tests.search.conftest import CORPUS, EVERY_LEVEL, doc


@pytest.fixture
def index(tmp_path: object) -> EmbeddedBackend:
    """The shared corpus in a fresh embedded index."""
    from pathlib import Path

    backend = EmbeddedBackend(Path(str(tmp_path)) / "index")
    backend.index(CORPUS)
    return backend


def scores(backend: EmbeddedBackend, query: str, clearance: Clearance) -> dict[int, float]:
    """Score of every hit."""
    response = backend.search(SearchRequest(query=query, clearance=clearance, limit=100, facets=()))
    return {h.id: h.score for h in response.hits}


def test_a_record_scores_the_same_through_its_level_or_a_grant(index: EmbeddedBackend) -> None:
    by_level = scores(index, "档案", Clearance(frozenset({"open", "internal"})))
    by_grant = scores(index, "档案", Clearance(frozenset(), frozenset(by_level)))
    granted_too = scores(index, "档案", Clearance(frozenset({"open"}), frozenset({1, 2})))  # both branches admit 1, 2
    other_level = scores(index, "档案", Clearance(frozenset({"internal"}), frozenset(by_level)))
    everything = scores(index, "档案", EVERY_LEVEL)
    assert by_level == by_grant == granted_too == other_level == everything
    assert len(by_level) == 3


def test_every_level_set_admits_exactly_its_records(index: EmbeddedBackend) -> None:
    levels = {d.id: d.access_level for d in CORPUS}
    for allowed in [{"open"}, {"internal"}, {"restricted"}, {"open", "restricted"}, {"internal", "secret"}]:
        granted = frozenset({3}) if "restricted" not in allowed else frozenset()
        found = set(scores(index, "", Clearance(frozenset(allowed), granted)))
        assert found == {i for i, level in levels.items() if level in allowed} | granted, allowed


def test_facets_beyond_the_budget_are_left_out_and_named(index: EmbeddedBackend) -> None:
    request = SearchRequest(query="档案", clearance=EVERY_LEVEL, facets=FACETS)
    whole = index.search(request)
    assert whole.facets_incomplete == [] and whole.facets["category"]
    assert whole.total == 3
    index.facets.cost_ns = 1e6  # as if a match cost 1 ms a facet: 3 matches x (2 facets + the query) = 9 ms
    cut = index.search(dataclasses.replace(request, facet_budget_ms=10.0))
    assert cut.total == whole.total and [h.id for h in cut.hits] == [h.id for h in whole.hits]
    assert cut.facets_incomplete == list(FACETS[2:])
    assert cut.facets["category"] == whole.facets["category"] and cut.facets["year"] == whole.facets["year"]
    assert all(cut.facets[name] == [] for name in FACETS[2:])
    assert cut.to_dict()["facets_incomplete"] == list(FACETS[2:])
    nothing = index.search(dataclasses.replace(request, facet_budget_ms=0.0))
    assert nothing.facets_incomplete == list(FACETS) and nothing.total == whole.total


def test_facet_cost_is_learned_from_large_results(tmp_path: object) -> None:
    from pathlib import Path

    backend = EmbeddedBackend(Path(str(tmp_path)) / "index")
    backend.index([doc(i, f"通知{i}", ["学校档案工作"]) for i in range(1, 5001)])
    backend.facets.cost_ns = 1e6
    backend.search(SearchRequest(query="档案", clearance=EVERY_LEVEL, facet_budget_ms=1e6))
    assert backend.facets.cost_ns < 1e6 * 0.75  # measured: far less than a millisecond a match


def test_a_reader_sees_another_writers_commit_at_once(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "index"
    reader, writer = EmbeddedBackend(folder), EmbeddedBackend(folder)  # as the portal and a worker
    writer.index([doc(1, "第一份", ["学校档案"])])
    request = SearchRequest(query="档案", clearance=EVERY_LEVEL, facets=())
    assert reader.search(request).total == 1
    for n in range(2, 6):  # commits in quick succession, each seen by the next search
        writer.index([doc(n, f"第{n}份", ["学校档案"])])
        assert reader.search(request).total == n
    writer.delete([1])
    assert reader.search(request).total == 4


def test_a_new_index_reads_stored_hits_in_small_blocks_and_an_older_one_still_opens(tmp_path: object) -> None:
    import json
    from pathlib import Path

    from indexer.search.embedded import DOCSTORE_BLOCKSIZE

    folder = Path(str(tmp_path)) / "index"
    backend = EmbeddedBackend(folder)
    backend.index(CORPUS)
    live = folder / (folder / "CURRENT").read_text().strip()
    assert json.loads((live / "meta.json").read_text())["index_settings"]["docstore_blocksize"] == DOCSTORE_BLOCKSIZE
    backend.rebuild(iter(sorted(CORPUS, key=lambda d: d.id)))  # a new generation gets it too
    live = folder / (folder / "CURRENT").read_text().strip()
    assert json.loads((live / "meta.json").read_text())["index_settings"]["docstore_blocksize"] == DOCSTORE_BLOCKSIZE
    hits = backend.search(SearchRequest(query="档案", clearance=EVERY_LEVEL, limit=100, facets=())).hits

    # An index made with Tantivy's defaults (an earlier Lantai) keeps them and answers the same.
    older = Path(str(tmp_path)) / "older"
    older_gen = older / "gen-000001"
    older_gen.mkdir(parents=True)
    tantivy.Index(build_schema(), path=str(older_gen))
    (older / "CURRENT").write_text("gen-000001")
    old_backend = EmbeddedBackend(older)
    old_backend.index(CORPUS)
    assert json.loads((older_gen / "meta.json").read_text())["index_settings"]["docstore_blocksize"] == 16384
    again = old_backend.search(SearchRequest(query="档案", clearance=EVERY_LEVEL, limit=100, facets=())).hits
    assert [(h.id, h.snippet) for h in again] == [(h.id, h.snippet) for h in hits] and hits
