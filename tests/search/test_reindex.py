"""The catalog is the source of truth: explicit indexing, ``lantai reindex`` (build beside,
swap, resume) and ``lantai index check``, on a real catalog and the embedded index."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.catalog.models import OriginalFile, Page, Record
from cli.main import main
from indexer.context import Lantai
from indexer.search import embedded
from indexer.search.base import SearchRequest
from indexer.search.documents import index_records, iter_documents, remove_records, to_document
from indexer.search.embedded import EmbeddedBackend
from tests.search.conftest import CORPUS, EVERY_LEVEL

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ["档案", "檔案 -会计", "year:2018..2021", "", "archiv*", "长教发[2023]12号", "title:报告"]


def add_records(lantai: Lantai, copies: int = 1, first: int = 0) -> list[int]:
    """The shared corpus as catalog records (``copies`` times), not yet indexed."""
    ids = []
    with lantai.catalog.session() as session:
        for copy in range(first, first + copies):
            for d in CORPUS:
                record = Record(
                    title=d.title,
                    doc_number=d.doc_number or None,
                    creator=d.creator or None,
                    department=d.department or None,
                    category_code=d.category or None,
                    fonds_code=d.fonds or None,
                    retention=d.retention or None,
                    year=d.year,
                    date=d.date,
                    access_level=d.access_level,
                    reference_code=f"{d.reference_code}-{copy}" if d.reference_code else None,
                    language=d.language,
                    page_count=len(d.pages),
                )
                record.pages = [Page(number=p.number, text=p.text) for p in d.pages]
                record.files = [
                    OriginalFile(
                        sha256=f"{d.id:032x}{copy:032x}",
                        size=100,
                        mime_type="application/pdf",
                        original_filename=f"record-{d.id}-{copy}.pdf",
                        storage_key=f"k/{d.id}/{copy}",
                    )
                ]
                session.add(record)
                session.flush()
                ids.append(record.id)
    return ids


def snapshot(backend: EmbeddedBackend) -> list[tuple[int, list[int], dict[str, list[tuple[str, int]]]]]:
    """What users see for the sample queries: totals, ordered ids, facets."""
    out = []
    for query in QUERIES:
        response = backend.search(SearchRequest(clearance=EVERY_LEVEL, query=query, sort="date_desc", limit=100))
        facets = {k: [(c.value, c.count) for c in v] for k, v in response.facets.items()}
        out.append((response.total, [h.id for h in response.hits], facets))
    return out


@pytest.fixture
def cli(lantai: Lantai) -> Iterator[CliRunner]:
    """A CLI runner on the test's data dir (a separate Lantai, as another process would be)."""
    yield CliRunner(env={"LANTAI_DATA_DIR": str(lantai.settings.data_dir)})


def test_to_document_maps_the_catalog_record(lantai: Lantai) -> None:
    record_id = add_records(lantai)[0]
    with lantai.catalog.session() as session:
        record = session.get(Record, record_id)
        assert record is not None
        document = to_document(record)
    assert document.category == "WS" and document.fonds == "J001" and document.department == "办公室"
    assert document.file_type == "pdf" and document.filename == "record-1-0.pdf"
    assert [p.number for p in document.pages] == [1, 2]


def test_index_records_then_remove_records(lantai: Lantai) -> None:
    ids = add_records(lantai)
    index_records(lantai, ids)
    assert lantai.search.search(SearchRequest(clearance=EVERY_LEVEL, query="青鸾")).total == 1
    remove_records(lantai, ids[2:3])
    assert lantai.search.search(SearchRequest(clearance=EVERY_LEVEL, query="青鸾")).total == 0
    with lantai.catalog.session() as session:
        session.delete(session.get(Record, ids[0]))
    index_records(lantai, ids[:2])  # a record gone from the catalog leaves the index too
    assert set(lantai.search.revisions()) == set(ids) - {ids[0], ids[2]}


def test_rebuild_equals_incremental_indexing(lantai: Lantai, cli: CliRunner) -> None:
    ids = add_records(lantai, copies=3)
    index_records(lantai, ids)
    backend = lantai.search
    assert isinstance(backend, EmbeddedBackend)
    before, revisions = snapshot(backend), backend.revisions()
    result = cli.invoke(main, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 21" in result.output
    assert snapshot(backend) == before
    assert backend.revisions() == revisions
    assert len(list((lantai.settings.index_dir).glob("gen-*"))) == 2  # live + the one just replaced


def test_search_keeps_answering_during_a_rebuild(lantai: Lantai, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = add_records(lantai, copies=2)
    index_records(lantai, ids)
    reader = EmbeddedBackend(lantai.settings.index_dir)  # as the portal process would hold it
    expected = snapshot(reader)
    monkeypatch.setattr(embedded, "REBUILD_COMMIT_EVERY", 3)
    seen: list[int] = []

    def progress(step: int) -> None:
        seen.append(step)
        assert snapshot(reader) == expected  # the live generation answers, whole

    writer = EmbeddedBackend(lantai.settings.index_dir)
    assert writer.rebuild(iter_documents(lantai), progress=progress) == len(ids)
    assert len(seen) == len(ids)
    assert snapshot(reader) == expected  # the reader has moved to the new generation
    assert reader._gen == writer._read_current() != "gen-000001"


class Interrupted(Exception):
    """Stands in for a killed reindex."""


def test_interrupted_rebuild_resumes(lantai: Lantai, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = add_records(lantai, copies=2)
    monkeypatch.setattr(embedded, "REBUILD_COMMIT_EVERY", 4)
    backend = EmbeddedBackend(lantai.settings.index_dir)
    done: list[int] = []

    def crash(step: int) -> None:
        done.append(step)
        if len(done) == 10:
            raise Interrupted

    with pytest.raises(Interrupted):
        backend.rebuild(iter_documents(lantai), progress=crash)
    assert backend.rebuild_checkpoint() == ids[7]  # two commits of four
    assert backend.search(SearchRequest(clearance=EVERY_LEVEL, query="")).total == 0  # the live index was never touched
    result = cli.invoke(main, ["reindex"])
    assert result.exit_code == 0, result.output
    assert f"Resuming after record {ids[7]}" in result.output
    assert backend.rebuild_checkpoint() is None
    assert sorted(backend.revisions()) == ids
    assert backend.search(SearchRequest(clearance=EVERY_LEVEL, query="青鸾")).total == 2


def test_index_check_reports_missing_stale_and_extra(lantai: Lantai, cli: CliRunner) -> None:
    ids = add_records(lantai)
    index_records(lantai, ids)
    result = cli.invoke(main, ["index", "check"])
    assert result.exit_code == 0, result.output
    assert "matches the catalog" in result.output
    with lantai.catalog.session() as session:
        stale = session.get(Record, ids[1])
        assert stale is not None
        stale.title = "改过的题名"
        stale.touch()
        session.delete(session.get(Record, ids[2]))
    new = add_records(lantai, first=1)[0]
    result = cli.invoke(main, ["index", "check"])
    assert result.exit_code == 1
    assert f"missing (7): {new}" in result.output
    assert f"stale (1): {ids[1]}" in result.output
    assert f"not in catalog (1): {ids[2]}" in result.output
    assert cli.invoke(main, ["reindex"]).exit_code == 0
    assert cli.invoke(main, ["index", "check"]).exit_code == 0
    assert lantai.search.search(SearchRequest(clearance=EVERY_LEVEL, query="改过的题名")).total == 1


def test_search_command_json_and_text(lantai: Lantai, cli: CliRunner) -> None:
    index_records(lantai, add_records(lantai))
    result = cli.invoke(main, ["search", "档案", "--filter", "category=WS", "--sort", "date_desc", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) == {"total", "took_ms", "hits", "facets", "facets_incomplete"}
    assert answer["total"] == 2 and answer["hits"][0]["title"] == "關於加強學校檔案管理工作的通知"
    assert set(answer["hits"][0]) == {"id", "title", "filename", "score", "snippet", "pages", "fields"}
    assert answer["facets"]["category"] == [{"value": "WS", "count": 2}]
    result = cli.invoke(main, ["search", "青鸾", "--limit", "5"])
    assert result.exit_code == 0 and "九章工程" in result.output and "pages: 1" in result.output
    result = cli.invoke(main, ["search", '"档案'])
    assert result.exit_code == 2 and "unbalanced quote" in result.output
    result = cli.invoke(main, ["search", "x", "--filter", "category"])
    assert result.exit_code == 2 and "FIELD=VALUE" in result.output


def test_a_write_in_another_process_is_seen_by_a_reader(lantai: Lantai) -> None:
    reader = EmbeddedBackend(lantai.settings.index_dir)
    assert reader.search(SearchRequest(clearance=EVERY_LEVEL, query="另一个进程")).total == 0
    script = (
        "import sys; from pathlib import Path; from indexer.search.embedded import EmbeddedBackend; "
        "from tests.search.conftest import doc; "
        "EmbeddedBackend(Path(sys.argv[1])).index([doc(900, '另一个进程写入', ['内容'])])"
    )
    subprocess.run([sys.executable, "-c", script, str(lantai.settings.index_dir)], check=True, cwd=ROOT, timeout=120)
    assert [h.id for h in reader.search(SearchRequest(clearance=EVERY_LEVEL, query="另一个进程")).hits] == [900]
    with lantai.catalog.session() as session:
        assert session.scalars(select(Record)).first() is None
