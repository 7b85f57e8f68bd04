"""Portal load benchmark: the search page under concurrent anonymous clients on loopback.

Builds a data dir with N generated records (catalog rows inserted in bulk with SQLAlchemy
core, one page of 300-2,000 Chinese characters each, access levels mostly open; index built
in bulk with ``rebuild``), serves it with ``lantai serve --no-worker`` (gunicorn, one process per core, as ``make run``
does) in its own process, then loads
``GET /search?q=...`` (2- and 4-character Chinese queries and English words, some with a
facet filter; every page computes all facets) from a separate client process of keep-alive
``http.client`` threads, for a fixed time at each concurrency level.

    .venv/bin/python bench/bench_portal.py [--records 100000] [--duration 20]
        [--concurrency 8,16,32] [--threads 4] [--workers 2]
        [--dir PATH] [--keep] [--profile N]
    .venv/bin/python bench/bench_portal.py --html-vs-json [--records 10000] [--rounds 7]

``--dir`` with an already built data dir skips the build. ``--profile N`` runs N search
pages in-process (after the load): the split between the backend search and the rest of
the page, and the top functions under cProfile.

``--html-vs-json`` serves nothing: it runs the same queries in-process through the Flask
test client, the search page and ``GET /api/v1/search`` (same query, filter and page size)
interleaved request by request, and prints the CPU per request of each and their ratio
(median over ``--rounds`` rounds; the JSON API is the reference).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import cProfile
import dataclasses
import hashlib
import http.client
import io
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import ENGLISH, corpus, percentile, queries  # noqa: E402  (the search bench's generator)
from sqlalchemy import insert  # noqa: E402

from archive.catalog.models import Base, utcnow  # noqa: E402
from archive.vocabulary import PageSource  # noqa: E402
from config.settings import Settings  # noqa: E402
from indexer.context import Lantai  # noqa: E402
from indexer.search.base import SearchDocument, SearchPage  # noqa: E402

# Mostly open, as a portal that lets the public search would hold.
LEVEL_WEIGHTS = {"open": 70, "internal": 15, "restricted": 10, "secret": 5}
MIME = {
    "pdf": "application/pdf",
    "image": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
}
CHUNK = 2_000
SAMPLE_EVERY = 97
SAMPLES_FILE = "bench-samples.txt"


def settings_for(data_dir: Path) -> Settings:
    """Settings of the benchmark's data dir (public search on)."""
    return Settings.model_validate({"data_dir": data_dir, "public_search": True})


def _documents(count: int, samples: list[str]) -> Iterator[SearchDocument]:
    """The search bench's corpus as one-page records with portal-like access levels."""
    rng = random.Random(5)
    levels = [level for level, weight in LEVEL_WEIGHTS.items() for _ in range(weight)]
    for doc in corpus(count):
        text = "".join(p.text for p in doc.pages)
        if doc.id % SAMPLE_EVERY == 0:
            samples.append(text)
        level = rng.choice(levels)
        # Every record but a secret one shows its first page's thumbnail, as after ingest.
        yield dataclasses.replace(doc, pages=[SearchPage(1, text)], access_level=level, thumbnail=level != "secret")


def _rows(doc: SearchDocument, now: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Catalog rows (record, page, original) for one generated document."""
    text = doc.pages[0].text
    reference = doc.reference_code.split("-")
    record = {
        "id": doc.id,
        "title": doc.title,
        "reference_code": doc.reference_code,
        "fonds_code": doc.fonds,
        "category_code": doc.category,
        "year": doc.year,
        "retention": doc.retention,
        "department_code": reference[3],
        "department": doc.department,
        "item_number": doc.id,
        "creator": doc.creator,
        "doc_number": doc.doc_number,
        "date": doc.date,
        "language": doc.language,
        "page_count": 1,
        "extra": {},
        "access_level": doc.access_level,
        "status": "done",
        "revision": doc.revision,
        "created_at": now,
        "updated_at": now,
    }
    page = {"record_id": doc.id, "number": 1, "text": text, "source": PageSource.TEXT_LAYER, "words": []}
    pictured = doc.thumbnail  # the keys only: pictures are not benchmarked
    page["image_key"] = f"records/{doc.id}/page-0001.jpg" if pictured else None
    page["thumbnail_key"] = f"records/{doc.id}/thumb-0001.jpg" if pictured else None
    sha = hashlib.sha256(f"{doc.id}:{text}".encode()).hexdigest()
    original = {
        "record_id": doc.id,
        "sha256": sha,
        "size": len(text.encode()),
        "mime_type": MIME.get(doc.file_type, "application/pdf"),
        "original_filename": doc.filename,
        "storage_key": f"originals/{sha[:2]}/{sha}",  # not written: downloads are not benchmarked
        "created_at": now,
    }
    return record, page, original


def build(data_dir: Path, count: int) -> dict[str, float]:
    """Fill the catalog and the index of ``data_dir`` with ``count`` records; figures of the build."""
    lantai = Lantai(settings_for(data_dir))
    lantai.catalog.upgrade()
    samples: list[str] = []
    now = utcnow()
    started = time.perf_counter()
    docs: list[SearchDocument] = []

    def flush() -> None:
        rows = [_rows(d, now) for d in docs]
        with lantai.catalog.engine.begin() as connection:
            connection.execute(insert(Base.metadata.tables["records"]), [r[0] for r in rows])
            connection.execute(insert(Base.metadata.tables["pages"]), [r[1] for r in rows])
            connection.execute(insert(Base.metadata.tables["original_files"]), [r[2] for r in rows])

    def catalog_then_index() -> Iterator[SearchDocument]:
        # Each chunk goes to the catalog before the index sees it, as in the pipeline.
        for doc in _documents(count, samples):
            docs.append(doc)
            if len(docs) >= CHUNK:
                flush()
                yield from docs
                docs.clear()
                if doc.id % 20_000 == 0:
                    print(f"  built {doc.id:,} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if docs:
            flush()
            yield from docs

    lantai.search.rebuild(catalog_then_index())
    seconds = time.perf_counter() - started
    lantai.close()
    (data_dir / SAMPLES_FILE).write_text("\n".join(s.replace("\n", " ") for s in samples), encoding="utf-8")
    return {"build_s": seconds}


def sizes(data_dir: Path) -> tuple[int, float, float]:
    """Records in the catalog, and the catalog and index sizes in MiB."""
    from sqlalchemy import func, select

    lantai = Lantai(settings_for(data_dir))
    with lantai.catalog.session() as session:
        records = int(session.scalar(select(func.count()).select_from(Base.metadata.tables["records"])) or 0)
    lantai.close()
    catalog = sum(f.stat().st_size for f in data_dir.glob("catalog.sqlite3*"))
    index = sum(f.stat().st_size for f in (data_dir / "index").rglob("*") if f.is_file())
    return records, catalog / 2**20, index / 2**20


def search_paths(data_dir: Path, count: int) -> list[str]:
    """A shuffled mix of search URLs: 2- and 4-character Chinese, English words, some with a facet."""
    samples = (data_dir / SAMPLES_FILE).read_text(encoding="utf-8").split("\n")
    rng = random.Random(11)
    terms = queries(samples, count, 2, 2) + queries(samples, count, 4, 4)
    terms += [rng.choice(ENGLISH).lower() for _ in range(count // 2)]
    facets = ["category:WS", "year:2010", "department:办公室", "retention:Y", "file_type:pdf"]
    paths = []
    for term in terms:
        params = [("q", term)]
        if rng.random() < 0.3:
            params.append(("f", rng.choice(facets)))
        paths.append("/search?" + urllib.parse.urlencode(params))
    rng.shuffle(paths)
    return paths


def load(port: int, paths: list[str], clients: int, duration: float) -> dict[str, Any]:
    """Run ``clients`` keep-alive threads for ``duration`` seconds; latencies and errors."""
    stop = time.perf_counter() + duration
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = n * 7919
        while time.perf_counter() < stop:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if ok:
                latencies[n].append((time.perf_counter() - t) * 1000)
            else:
                errors[n] += 1
        connection.close()

    started, started_cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - started_cpu
    flat = [v for per in latencies for v in per]
    return {
        "clients": clients,
        "rps": len(flat) / elapsed,
        "p50": statistics.median(flat) if flat else float("nan"),
        "p95": percentile(flat, 95) if flat else float("nan"),
        "p99": percentile(flat, 99) if flat else float("nan"),
        "requests": len(flat),
        "errors": sum(errors),
        "client_cpu_ms": client_cpu * 1000 / max(1, len(flat)),
    }


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server process and its workers."""
    import psutil

    total = 0.0
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, port: int, threads: int, workers: int) -> subprocess.Popen[bytes]:
    """Start the portal as ``lantai serve --no-worker`` (gunicorn) does; wait until it answers."""
    env = {**os.environ, "LANTAI_DATA_DIR": str(data_dir), "LANTAI_PUBLIC_SEARCH": "true"}
    command = [sys.executable, "-m", "cli", "serve", "--no-worker", "--port", str(port)]
    command += ["--processes", str(workers), "--threads", str(threads)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the portal exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/search?q=%E6%A1%A3%E6%A1%88")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the portal did not answer within 120 s")


def profile(data_dir: Path, paths: list[str], count: int) -> None:
    """Run ``count`` search pages in-process under cProfile; print the split and the top functions."""
    from werkzeug.datastructures import MultiDict

    from archive.access import Clearance
    from portal.app import create_app
    from portal.search.params import parse_state, to_request

    anonymous = Clearance(frozenset({"open"}))

    app = create_app(settings_for(data_dir))
    client = app.test_client()
    for path in paths[:5]:
        client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for path in paths[5 : 5 + count]:
        client.get(path)
    profiler.disable()
    profiled = (time.perf_counter() - started) / count * 1000
    measured = paths[5 : 5 + count]
    started = time.perf_counter()
    for path in measured:
        client.get(path)
    page_ms = (time.perf_counter() - started) / count * 1000
    lantai = app.extensions["lantai"]
    requests = [
        to_request(parse_state(MultiDict(urllib.parse.parse_qsl(p.split("?", 1)[1]))), anonymous) for p in measured
    ]
    started = time.perf_counter()
    for search_request in requests:
        lantai.search.search(search_request)
    search_ms = (time.perf_counter() - started) / count * 1000
    print(f"\nIn-process, one thread, {count} search pages (CPU time per request, no HTTP):")
    print(f"  {'whole page (Flask test client)':<44}{page_ms:>8.1f} ms")
    print(f"  {'of which the backend search (top 20, facets)':<44}{search_ms:>8.1f} ms")
    print(f"  {'rest: view, template, i18n, session':<44}{page_ms - search_ms:>8.1f} ms")
    print(f"  {'whole page under cProfile':<44}{profiled:>8.1f} ms")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(35)
    print(out.getvalue())
    app.extensions["lantai"].close()


def html_vs_json(data_dir: Path, paths: list[str], rounds: int) -> dict[str, float]:
    """CPU ms per request of the search page and of the JSON API, same queries, interleaved."""
    from portal.app import create_app

    app = create_app(settings_for(data_dir))
    client = app.test_client()
    # The API's page size is 10, the page's 20: ask both for 20 hits.
    pairs = [(path, path.replace("/search?", "/api/v1/search?", 1) + "&limit=20") for path in paths]
    for html, api in pairs[:10]:  # warm the template cache and the index readers
        client.get(html)
        client.get(api)
    html_ms: list[float] = []
    json_ms: list[float] = []
    for n in range(rounds):
        spent = {"html": 0.0, "json": 0.0}
        for i, (html, api) in enumerate(pairs):
            order = [("html", html), ("json", api)]
            if (i + n) % 2:  # alternate which goes first, so neither always finds the caches warm
                order.reverse()
            for kind, path in order:
                started = time.process_time()
                response = client.get(path)
                spent[kind] += time.process_time() - started
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
        html_ms.append(spent["html"] * 1000 / len(pairs))
        json_ms.append(spent["json"] * 1000 / len(pairs))
    app.extensions["lantai"].close()
    ratios = [h / j for h, j in zip(html_ms, json_ms, strict=True)]
    return {
        "html_ms": statistics.median(html_ms),
        "json_ms": statistics.median(json_ms),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
    }


def print_html_vs_json(records: int, requests: int, rounds: int, figures: dict[str, float]) -> None:
    """The table of ``--html-vs-json``."""
    print()
    print(
        f"Search page against the JSON API: {records:,} records, {requests} queries x {rounds} rounds, "
        f"in-process (Flask test client), interleaved, anonymous, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"  {'GET /api/v1/search (reference), CPU ms/request':<52}{figures['json_ms']:>8.2f}")
    print(f"  {'GET /search (HTML page), CPU ms/request':<52}{figures['html_ms']:>8.2f}")
    print(
        f"  {'ratio HTML / JSON (median of rounds)':<52}{figures['ratio']:>8.2f}"
        f"  (rounds {figures['ratio_min']:.2f}-{figures['ratio_max']:.2f}; target <= 1.30)"
    )


def main() -> None:
    """Build (unless the data dir is built), serve, load at each concurrency, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=None, help="100,000 (10,000 with --html-vs-json)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per concurrency level")
    parser.add_argument("--concurrency", default="8,16,32")
    parser.add_argument("--threads", type=int, default=4, help="request threads (per process)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="portal processes")
    parser.add_argument("--dir", type=Path, default=None, help="data dir (kept; reused when already built)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--profile", type=int, default=0, help="profile N search pages in-process")
    parser.add_argument("--html-vs-json", action="store_true", help="CPU of the search page against the JSON API")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of --html-vs-json")
    args = parser.parse_args()
    if args.records is None:
        args.records = 10_000 if args.html_vs_json else 100_000
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="lantai-portal-bench-"))
    build_s: float | None = None
    if not (data_dir / SAMPLES_FILE).exists():
        build_s = build(data_dir, args.records)["build_s"]
    records, catalog_mb, index_mb = sizes(data_dir)
    paths = search_paths(data_dir, 300)
    if args.html_vs_json:
        requests = paths[:100]
        print_html_vs_json(records, len(requests), args.rounds, html_vs_json(data_dir, requests, args.rounds))
        if args.profile:
            profile(data_dir, paths, args.profile)
        if args.dir is None and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        return

    port = free_port()
    server = serve(data_dir, port, args.threads, args.workers)
    rows = []
    try:
        # Warm the server's caches as a running portal would be, then measure each level.
        load(port, paths, 4, 3)
        with concurrent.futures.ProcessPoolExecutor(1) as pool:  # the clients in their own process
            for clients in (int(c) for c in args.concurrency.split(",")):
                before = server_cpu(server.pid)
                row = pool.submit(load, port, paths, clients, args.duration).result()
                row["server_cpu_ms"] = (server_cpu(server.pid) - before) * 1000 / max(1, row["requests"])
                rows.append(row)
    finally:
        server.terminate()
        server.wait(timeout=30)

    server_label = f"lantai serve: gunicorn {args.workers} processes x {args.threads} threads"
    print()
    print(
        f"Lantai portal benchmark: GET /search as an anonymous user, {records:,} records, "
        f"{server_label}, {args.duration:.0f} s per level, {os.cpu_count()} cores"
    )
    if build_s is not None:
        print(f"{'build (catalog + index), s':<32}{build_s:>10,.1f}  ({args.records / build_s:,.0f} records/s)")
    print(f"{'catalog size (SQLite)':<32}{catalog_mb:>10,.1f} MiB")
    print(f"{'index size (Tantivy)':<32}{index_mb:>10,.1f} MiB")
    print(
        f"{'concurrency':>12}{'requests/s':>12}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}"
        f"{'server CPU ms/req':>19}{'client CPU ms/req':>19}"
    )
    for r in rows:
        print(
            f"{r['clients']:>12}{r['rps']:>12.1f}{r['p50']:>10.1f}{r['p95']:>10.1f}{r['p99']:>10.1f}"
            f"{r['requests']:>10}{r['errors']:>8}{r['server_cpu_ms']:>19.1f}{r['client_cpu_ms']:>19.1f}"
        )
    if args.profile:
        profile(data_dir, paths, args.profile)
    if args.dir is None and not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    elif args.dir is None:
        print(f"data dir kept: {data_dir}")


if __name__ == "__main__":
    main()
