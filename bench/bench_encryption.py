"""Benchmark of encryption at rest: serving a 50 MB original and ingesting 100 scans, with and
without ``LANTAI_ENCRYPTION_KEY_FILE``, in the same run on the same files.

    .venv/bin/python bench/bench_encryption.py [--scans 100] [--processed 5]

Ingest is measured as storing and queueing every scan (what encryption changes), and separately
as full processing (OCR, page images) of the first few scans, to show the share encryption takes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw

from archive.audit.service import CLI
from archive.catalog.models import OriginalFile, Record
from archive.encryption import MasterKey
from config.settings import load_settings
from indexer.context import Lantai, set_current
from indexer.ingest import submit_file
from indexer.process import process_job
from portal.app import create_app


def make_scans(folder: Path, count: int) -> list[Path]:
    """``count`` A4 page scans at 200 dpi: text lines and a noisy photo area (1–2 MB PNG each)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        page = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(page)
        for line in range(30):
            draw.text((120, 150 + line * 40), f"Scan {i} line {line}: annual report of the school archive", fill=0)
        page.paste(Image.frombytes("L", (600, 400), os.urandom(600 * 400)), (520, 1500))
        path = folder / f"scan{i:03d}.png"
        page.save(path)
        paths.append(path)
    return paths


def lantai_on(data_dir: Path, key: Path | None) -> Lantai:
    env = {"LANTAI_DATA_DIR": str(data_dir)}
    if key:
        env["LANTAI_ENCRYPTION_KEY_FILE"] = str(key)
    lantai = Lantai(load_settings(env))
    lantai.catalog.upgrade()
    set_current(lantai)
    return lantai


def serve(data_dir: Path, key: Path | None, original: Path) -> float:
    """Median seconds to download ``original`` through the portal (3 times)."""
    env = {"LANTAI_DATA_DIR": str(data_dir)}
    if key:
        env["LANTAI_ENCRYPTION_KEY_FILE"] = str(key)
    app = create_app(load_settings(env), {"TESTING": True})
    lantai = app.extensions["lantai"]
    stored = lantai.storage.put_original(original)
    with lantai.catalog.session() as session:
        record = Record(title="50 MB", status="done", access_level="open", page_count=0, extra={})
        session.add(record)
        session.flush()
        session.add(OriginalFile(record_id=record.id, sha256=stored.sha256, size=stored.size,
                                 mime_type="application/octet-stream", original_filename="big.bin",
                                 storage_key=stored.key))
        record_id = record.id
    client = app.test_client()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(f"/records/{record_id}/download", buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        times.append(time.perf_counter() - started)
        assert size == stored.size
    lantai.close()
    return statistics.median(times)


def ingest(data_dir: Path, key: Path | None, scans: list[Path], processed: int) -> tuple[float, float]:
    """Seconds to store and queue every scan, and to process the first ``processed`` of them."""
    lantai = lantai_on(data_dir, key)
    started = time.perf_counter()
    jobs = [submit_file(lantai, path, dispatch=False, actor=CLI).job_id for path in scans]
    stored = time.perf_counter() - started
    started = time.perf_counter()
    for job in jobs[:processed]:
        assert job
        process_job(lantai, job, dispatch_children=False)
    done = time.perf_counter() - started
    lantai.close()
    return stored, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=100)
    parser.add_argument("--processed", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lantai-bench-enc-") as tmp:
        root = Path(tmp)
        key = root / "master.key"
        MasterKey.create(key)
        big = root / "big.bin"
        big.write_bytes(os.urandom(50 * 1000 * 1000))
        scans = make_scans(root / "scans", args.scans)
        mb = sum(p.stat().st_size for p in scans) / 1e6
        print(f"serving a 50 MB original through the portal (median of 3); {args.scans} scans, {mb:.0f} MB")
        plain = serve(root / "serve-plain", None, big)
        sealed = serve(root / "serve-sealed", key, big)
        print(f"  serve   plain {plain:6.2f} s ({50 / plain:6.0f} MB/s)   encrypted {sealed:6.2f} s "
              f"({50 / sealed:6.0f} MB/s)   overhead {100 * (sealed / plain - 1):+.0f}%")
        p_store, p_proc = ingest(root / "ingest-plain", None, scans, args.processed)
        s_store, s_proc = ingest(root / "ingest-sealed", key, scans, args.processed)
        print(f"  store+queue {args.scans} scans   plain {p_store:6.2f} s   encrypted {s_store:6.2f} s   "
              f"overhead {100 * (s_store / p_store - 1):+.0f}%")
        print(f"  process {args.processed} scans (OCR)   plain {p_proc:6.2f} s   encrypted {s_proc:6.2f} s   "
              f"overhead {100 * (s_proc / p_proc - 1):+.0f}%")


if __name__ == "__main__":
    main()
