"""`lantai ingest --inline` runs each document under the worker's limits, and a pool process
that dies does not stop the batch (real CLI, real pool processes, real tesseract)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.docgen import LINES, scanned_pdf

ROOT = Path(__file__).resolve().parent.parent


def ingest_inline(data_dir: Path, *paths: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env.update({"LANTAI_DATA_DIR": str(data_dir), "LANTAI_WORKER_CONCURRENCY": "2"})
    env.update({f"LANTAI_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "cli", "ingest", *map(str, paths), "--inline"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )


def records(data_dir: Path) -> dict[str, tuple[str, str | None]]:
    """File name -> (status, error message) from the catalog."""
    engine = create_engine(f"sqlite:///{data_dir / 'catalog.sqlite3'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("select f.original_filename, r.status, r.error_message from records r "
                 "join original_files f on f.record_id = r.id")
        ).all()
    engine.dispose()
    return {name: (status, error) for name, status, error in rows}


def test_memory_cap_fails_each_document_and_the_batch_finishes(tmp_path: Path) -> None:
    files = [scanned_pdf(tmp_path / f"scan-{n}.pdf", [[LINES[n]]]) for n in range(3)]
    result = ingest_inline(tmp_path / "data", *files, document_memory_mb="64")
    assert result.returncode == 1, result.stdout + result.stderr
    found = records(tmp_path / "data")
    assert set(found) == {f.name for f in files}
    for status, error in found.values():  # each pool process was stopped by its cap, then replaced
        assert status == "failed" and error is not None
        assert "64 MiB" in error and "内存" in error
    assert "失败 failed: 3" in result.stdout


def test_document_past_its_soft_time_limit_fails_alone(tmp_path: Path) -> None:
    slow = scanned_pdf(tmp_path / "slow.pdf", [[line] * 6 for line in LINES] * 3)  # 12 pages: > 5 s of OCR
    quick = tmp_path / "quick.txt"
    quick.write_text("归档目录\n", encoding="utf-8")
    result = ingest_inline(tmp_path / "data", slow, quick, task_soft_time_limit="5", task_time_limit="60")
    assert result.returncode == 1, result.stdout + result.stderr
    found = records(tmp_path / "data")
    assert found["quick.txt"] == ("done", None)
    status, error = found["slow.pdf"]
    assert status == "failed" and error is not None and "超时" in error and "time limit" in error
