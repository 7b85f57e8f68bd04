"""The extension points (extractors, search backends, portal areas) register explicitly and
fail loudly: a plug-in wins by priority, an unknown name or a missing area stops start-up."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from flask import Flask

from archive.audit.service import CLI
from config.errors import ConfigurationError
from config.settings import Settings
from indexer.context import Lantai
from indexer.extract.base import ExtractContext, Extraction, extractor_for, register, unregister
from indexer.ingest import submit_file
from indexer.process import process_job
from indexer.search.factory import open_backend
from portal.app import register_blueprints


class CrashingExtractor:
    """A fault-injection plug-in: reads plain text by crashing (a native library gone wrong)."""

    name: ClassVar[str] = "crashing"
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/plain"})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        raise RuntimeError("segfault in a native library")


def test_a_plugin_with_a_higher_priority_wins_and_a_crash_fails_only_its_record(
    lantai: Lantai, tmp_path: Path
) -> None:
    builtin = extractor_for("text/plain")
    plugin = register(CrashingExtractor(), priority=10)
    try:
        assert extractor_for("text/plain") is plugin
        assert extractor_for("text/csv") is builtin  # exact types still go to the one that names them
        bad, good = tmp_path / "bad.txt", tmp_path / "good.html"
        bad.write_text("纯文本", encoding="utf-8")
        good.write_text("<html><body><p>网页正文</p></body></html>", encoding="utf-8")
        outcomes = []
        for path in (bad, good):
            submission = submit_file(lantai, path, dispatch=False, actor=CLI)
            assert submission.job_id is not None
            outcomes.append(process_job(lantai, submission.job_id, dispatch_children=False))
        assert [o.status for o in outcomes] == ["failed", "done"]
        assert "RuntimeError" in (outcomes[0].error or "")
    finally:
        unregister(plugin)
    assert extractor_for("text/plain") is builtin


def test_an_unknown_search_backend_stops_start_up(settings: Settings) -> None:
    broken = settings.model_copy(update={"search_backend": "solr"})
    with pytest.raises(ConfigurationError, match="LANTAI_SEARCH_BACKEND"):
        open_backend(broken)


def test_a_missing_portal_area_stops_start_up() -> None:
    with pytest.raises(ModuleNotFoundError):
        register_blueprints(Flask("probe"), ["portal.no_such_area.views:bp"])
