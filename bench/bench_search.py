"""Search benchmark: Lantai's embedded backend beside bare Tantivy on the same index.

A generated corpus of Chinese archival records (``search_corpus``: 300-2,000 characters,
realistic metadata) is indexed through ``rebuild`` (the ``lantai reindex`` path); then

1. **Indexing**: CPU per record split into Lantai's analysis (the Python thread, corpus
   generation excluded) and the engine (Tantivy's writer and merge threads), beside bare
   Tantivy adding the same analysed documents with the same writer settings and one commit
   (timed before and after Lantai's rebuild: the machine's speed drifts). Wall rate,
   index size per record, peak memory; with ``--field-costs`` what each field and the
   stored payload cost (bare Tantivy without that field, on a sample).
2. **Queries**: for each query type, top 10 with all 8 facets and a researcher's access
   filter through ``EmbeddedBackend.search``, interleaved query by query with the same
   query as bare Tantivy on the same index: the same tokens and the same access filter,
   ``search`` with the exact count plus one ``aggregate`` of the same 8 terms
   aggregations. A second reference leaves the access filter out (what the engine costs
   for the text alone). Ratios are Lantai's time over the reference's.

    .venv/bin/python bench/bench_search.py [--records 100000] [--queries 200] [--dir PATH]
                                           [--reference-records 100000] [--field-costs 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tantivy
from search_corpus import ENGLISH, corpus, queries

from archive.access import Clearance
from indexer.search import embedded
from indexer.search.analysis import query_bigrams, query_units
from indexer.search.base import FACETS, SearchDocument, SearchRequest
from indexer.search.embedded import EmbeddedBackend

__all__ = ["ENGLISH", "corpus", "percentile", "queries"]

# A researcher: open and internal records plus 20 granted ones.
CLEARANCE = Clearance(frozenset({"open", "internal"}), frozenset(range(5, 400, 20)))
FIELD_GROUPS = {
    "uni (one-unit terms)": ("uni",),
    "bi (unit pairs, positions)": ("bi",),
    "muni+mbi (field:value terms)": ("muni", "mbi"),
    "payload (stored, for hits)": ("payload",),
    "facet keywords + year": (
        "category",
        "department",
        "fonds",
        "retention",
        "access_level",
        "file_type",
        "language",
        "year",
    ),
    "sort keys (date, title)": ("date_desc_key", "date_asc_key", "title_key"),
}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class MemorySampler(threading.Thread):
    """Peaks of anonymous and file-backed resident memory (/proc/self/status), 5 times a second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_anon = 0.0
        self.peak_file = 0.0

    def run(self) -> None:
        while not self.stop.wait(0.2):
            fields = dict(
                line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
            )
            self.peak_anon = max(self.peak_anon, int(fields["RssAnon"].split()[0]) / 1024)
            self.peak_file = max(self.peak_file, int(fields["RssFile"].split()[0]) / 1024)


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


class Clock:
    """CPU of this thread, of the whole process and wall time since ``start``."""

    def __init__(self) -> None:
        self.wall, self.process, self.thread = time.perf_counter(), time.process_time(), time.thread_time()

    def since(self) -> tuple[float, float, float]:
        """(wall, process CPU, this thread's CPU) seconds since the clock was made."""
        return time.perf_counter() - self.wall, time.process_time() - self.process, time.thread_time() - self.thread


# Indexing ---------------------------------------------------------------------------------------


def lantai_rebuild(backend: EmbeddedBackend, count: int) -> dict[str, float]:
    """Rebuild through the backend; CPU split into this thread (analysis) and the others (engine)."""
    excluded = 0.0  # this thread's CPU spent making the corpus

    def timed(source: Iterator[SearchDocument]) -> Iterator[SearchDocument]:
        nonlocal excluded
        while True:
            t = time.thread_time()
            d = next(source, None)
            excluded += time.thread_time() - t
            if d is None:
                return
            yield d

    sampler = MemorySampler()
    sampler.start()
    clock = Clock()
    backend.rebuild(timed(corpus(count)))
    wall, cpu, mine = clock.since()
    sampler.stop.set()
    analysis = mine - excluded
    return {
        "analysis": analysis / count * 1000,
        "engine": (cpu - mine) / count * 1000,
        "cpu": (cpu - excluded) / count * 1000,
        "rate": count / (wall - excluded),  # corpus generation left out, as bare_index leaves it out
        "anon": sampler.peak_anon,
        "file": sampler.peak_file,
    }


def bare_index(backend: EmbeddedBackend, count: int, folder: Path, leave_out: tuple[str, ...] = ()) -> dict[str, float]:
    """Bare Tantivy adding the same analysed documents (analysis not timed), one commit."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    index = tantivy.Index(backend.schema, path=str(folder))
    index.register_tokenizer("lantai_ws", embedded.whitespace_analyzer())
    writer = index.writer(embedded.REBUILD_HEAP, embedded.REBUILD_THREADS)
    adding = 0.0
    clock = Clock()
    excluded = 0.0
    for doc in corpus(count):
        t = time.thread_time()
        prepared = embedded.tantivy_document((n, v) for n, v in backend.document_values(doc) if n not in leave_out)
        t2 = time.thread_time()
        writer.add_document(prepared)
        adding += time.thread_time() - t2
        excluded += t2 - t
    writer.commit()
    writer.wait_merging_threads()
    wall, cpu, mine = clock.since()
    size = folder_size(folder)
    shutil.rmtree(folder)
    return {
        "cpu": (cpu - excluded) / count * 1000,
        "adding": adding / count * 1000,
        "engine": (cpu - mine) / count * 1000,
        "rate": count / (wall - excluded),
        "size": size / count,
    }


# Queries ----------------------------------------------------------------------------------------


def bare_text(schema: tantivy.Schema, text: str) -> tantivy.Query:
    """The engine's query for the same tokens Lantai searches (body text, no title boost)."""
    units = query_units(text)
    if not units:
        return tantivy.Query.all_query()
    if len(units) == 1:
        return tantivy.Query.term_query(schema, "uni", units[0])
    pairs = query_bigrams(units)
    if len(pairs) == 1:
        return tantivy.Query.term_query(schema, "bi", pairs[0])
    return tantivy.Query.phrase_query(schema, "bi", pairs)


def bare_search(searcher: Any, query: tantivy.Query, aggs: dict[str, Any]) -> int:
    """Top 10 with the exact count, then the facets' aggregations: what a bare caller runs."""
    result = searcher.search(query, 10, count=True)
    searcher.aggregate(query, aggs)
    return int(result.count or 0)


def measure_queries(backend: EmbeddedBackend, folder: Path, items: list[str]) -> dict[str, Any]:
    """Lantai and both references, interleaved per query (order rotating), in ms."""
    index = tantivy.Index.open(str(folder / (folder / "CURRENT").read_text().strip()))
    index.register_tokenizer("lantai_ws", embedded.whitespace_analyzer())
    searcher = index.searcher()
    schema = backend.schema
    aggs = {name: {"terms": {"field": name, "size": 100}} for name in FACETS}
    times: dict[str, list[float]] = {"lantai": [], "bare": [], "nofilter": []}
    cpu: dict[str, list[float]] = {"lantai": [], "bare": [], "nofilter": []}
    totals: list[int] = []
    degraded = 0

    def lantai(q: str) -> None:
        nonlocal degraded
        response = backend.search(SearchRequest(query=q, limit=10, clearance=CLEARANCE, facets=FACETS))
        totals.append(response.total)
        degraded += bool(getattr(response, "facets_incomplete", ()))

    runs: dict[str, Callable[[str], Any]] = {
        "lantai": lantai,
        "bare": lambda q: bare_search(searcher, backend.queries.restrict(bare_text(schema, q), CLEARANCE), aggs),
        "nofilter": lambda q: bare_search(searcher, bare_text(schema, q), aggs),
    }
    for q in items[:5]:  # warm caches, as a running portal would be
        for run in runs.values():
            run(q)
    totals.clear()
    degraded = 0
    names = list(runs)
    for n, q in enumerate(items):
        # Each runs first (on postings no run has read yet) as often as the others: with the
        # order only reversed every other query, the middle one never did.
        order = names[n % len(names) :] + names[: n % len(names)]
        for name in order:
            t, c = time.perf_counter(), time.process_time()
            runs[name](q)
            cpu[name].append((time.process_time() - c) * 1000)
            times[name].append((time.perf_counter() - t) * 1000)
    out: dict[str, Any] = {f"{k}50": statistics.median(v) for k, v in times.items()}
    out.update({f"{k}95": percentile(v, 95) for k, v in times.items()})
    out.update({f"{k}cpu": statistics.median(v) for k, v in cpu.items()})
    out["hits"] = statistics.mean(totals)
    out["degraded"] = degraded / len(items)
    return out


def query_rows(backend: EmbeddedBackend, folder: Path, records: int, count: int) -> list[tuple[str, dict[str, Any]]]:
    """Every query type measured against its references."""
    samples = ["".join(p.text for p in d.pages) for d in corpus(min(records, 20_000)) if d.id % 97 == 0]
    rows = []
    for label, items in [
        ("2-char Chinese", queries(samples, count, 2, 2)),
        ("4-char Chinese", queries(samples, count, 4, 4)),
        ("8-char Chinese", queries(samples, count, 8, 8)),
        ("English word", [random.Random(9).choice(ENGLISH).lower() for _ in range(count)]),
        ("1-char Chinese", queries(samples, count, 1, 1)),
        ("empty (browse)", [""] * max(20, count // 10)),
    ]:
        rows.append((label, measure_queries(backend, folder, items)))

    return rows


def print_rows(rows: list[tuple[str, dict[str, Any]]]) -> None:
    """The query table."""
    print()
    print(f"Queries, top 10 with all 8 facets and a researcher's access filter (2 levels + 20 grants); {load()}")
    print("ms; 'bare' = the same tokens and access filter, count + the same 8 aggregations; 'no filter' = without")
    print("access. Wall time p50/p95, and CPU time p50 (this process, all threads: steadier on a shared machine).")
    print(
        f"{'query':<16}{'Lantai':>8}{'p95':>7}{'bare':>7}{'p95':>7}{'ratio':>7}{'p95':>6}"
        f"{'CPU Lantai':>11}{'bare':>7}{'ratio':>7}{'no filter':>10}{'ratio':>7}{'mean hits':>10}{'cut':>5}"
    )
    for label, r in rows:
        print(
            f"{label:<16}{r['lantai50']:>8.2f}{r['lantai95']:>7.2f}{r['bare50']:>7.2f}{r['bare95']:>7.2f}"
            f"{r['lantai50'] / r['bare50']:>6.2f}x{r['lantai95'] / r['bare95']:>5.2f}x"
            f"{r['lantaicpu']:>11.2f}{r['barecpu']:>7.2f}{r['lantaicpu'] / r['barecpu']:>6.2f}x"
            f"{r['nofiltercpu']:>10.2f}{r['lantaicpu'] / r['nofiltercpu']:>6.2f}x"
            f"{r['hits']:>10,.0f}{r['degraded']:>5.0%}"
        )


def print_queries(backend: EmbeddedBackend, folder: Path, records: int, count: int) -> None:
    """Queries only, on an index built before (``--reuse``)."""
    print_rows(query_rows(backend, folder, records, count))
    print(f"{load()} at the end")


# Report -----------------------------------------------------------------------------------------


def load() -> str:
    """The 1-minute load average and the core count."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def main() -> None:
    """Build, measure, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="index folder (default: a temporary one, removed)")
    parser.add_argument("--reference-records", type=int, default=100_000, help="records bare Tantivy indexes")
    parser.add_argument("--field-costs", type=int, default=20_000, help="records per field-cost run (0: none)")
    parser.add_argument("--reuse", action="store_true", help="queries only, on the index already in --dir")
    args = parser.parse_args()
    temporary = Path(tempfile.mkdtemp(prefix="lantai-bench-"))
    folder = args.dir or temporary / "index"
    backend = EmbeddedBackend(folder)
    ref_count = min(args.records, args.reference_records)
    print(f"Lantai search benchmark, {args.records:,} records; {load()} at the start", flush=True)

    if args.reuse:
        print_queries(backend, folder, args.records, args.queries)
        return
    bare_before = bare_index(backend, ref_count, temporary / "bare")
    lantai = lantai_rebuild(backend, args.records)
    lantai_size = folder_size(folder / (folder / "CURRENT").read_text().strip()) / args.records
    bare_after = bare_index(backend, ref_count, temporary / "bare")
    print(f"indexing done; {load()}", flush=True)
    costs: list[tuple[str, dict[str, float]]] = []
    if args.field_costs:
        sample = min(args.records, args.field_costs)
        costs.append(("all fields", bare_index(backend, sample, temporary / "bare")))
        for label, names in FIELD_GROUPS.items():
            costs.append((label, bare_index(backend, sample, temporary / "bare", names)))

    rows = query_rows(backend, folder, args.records, args.queries)
    bare_cpu = (bare_before["cpu"] + bare_after["cpu"]) / 2
    bare_engine = (bare_before["engine"] + bare_after["engine"]) / 2
    bare_rate = (bare_before["rate"] + bare_after["rate"]) / 2
    print()
    print(f"Indexing {args.records:,} records (Lantai rebuild) beside bare Tantivy adding the same analysed")
    print(f"documents ({ref_count:,} records, same writer heap and threads, one commit; before / after Lantai)")
    print(f"{'':<36}{'Lantai':>10}{'bare before':>13}{'bare after':>12}{'ratio':>8}")
    print(
        f"{'CPU ms per record':<36}{lantai['cpu']:>10.3f}{bare_before['cpu']:>13.3f}{bare_after['cpu']:>12.3f}"
        f"{lantai['cpu'] / bare_cpu:>7.2f}x"
    )
    print(f"{'  analysis (Python thread)':<36}{lantai['analysis']:>10.3f}{'(not timed)':>13}{'':>12}")
    print(
        f"{'  engine (Tantivy threads)':<36}{lantai['engine']:>10.3f}{bare_before['engine']:>13.3f}"
        f"{bare_after['engine']:>12.3f}{lantai['engine'] / bare_engine:>7.2f}x"
    )
    print(
        f"{'  adding documents (calling thread)':<36}{'':>10}"
        f"{bare_before['adding']:>13.3f}{bare_after['adding']:>12.3f}"
    )
    print(
        f"{'wall records/s':<36}{lantai['rate']:>10,.0f}{bare_before['rate']:>13,.0f}{bare_after['rate']:>12,.0f}"
        f"{lantai['rate'] / bare_rate:>7.2f}x"
    )
    print(f"{'  if both cores were free (2 / CPU)':<36}{2000 / lantai['cpu']:>10,.0f}")
    print(
        f"{'index size, bytes per record':<36}{lantai_size:>10,.0f}"
        f"{bare_before['size']:>13,.0f}{bare_after['size']:>12,.0f}"
    )
    print(
        f"{'peak memory during rebuild, MiB':<36}{lantai['anon'] + lantai['file']:>10,.0f}  "
        f"(heap {lantai['anon']:,.0f}, file-backed index pages {lantai['file']:,.0f}; the kernel can drop those)"
    )
    if costs:
        base = costs[0][1]
        print()
        print(f"What each part costs (bare Tantivy, {min(args.records, args.field_costs):,} records, part left out)")
        print(f"{'part':<36}{'CPU ms/rec':>11}{'bytes/rec':>11}")
        print(f"{'  all fields':<36}{base['cpu']:>11.3f}{base['size']:>11,.0f}")
        for label, c in costs[1:]:
            print(f"{'  ' + label:<36}{base['cpu'] - c['cpu']:>11.3f}{base['size'] - c['size']:>11,.0f}")
    print_rows(rows)
    print(
        f"peak memory overall (RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB; "
        f"{load()} at the end"
    )
    shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
