"""Benchmark of the audit trail: append latency, verify throughput, admin query latency.

    .venv/bin/python bench/bench_audit.py                       # SQLite, 1,000,000 events
    .venv/bin/python bench/bench_audit.py --events 200000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Targets (issue 6): append p95 < 2 ms; verify 1,000,000 events < 10 s; an admin query over
1,000,000 events filtered by user or by record < 200 ms. The bulk events are hashed exactly
as ``record_event`` does (so verify walks a real chain) but inserted in batches for speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, update

from archive.audit.chain import EVENTS, HEAD, details_text, event_hash, record_event
from archive.audit.review import AuditFilter, find_events
from archive.audit.verify import verify_chain
from archive.catalog.db import Catalog

ACTIONS = ["search"] * 4 + ["record_view"] * 3 + ["page_view"] * 5 + ["download"] * 2 + ["login", "logout"]
USERS = 500
RECORDS = 50_000


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bulk_fill(catalog: Catalog, count: int, rng: random.Random) -> float:
    """Append ``count`` chained events in batches; returns the seconds taken."""
    start = time.perf_counter()
    base = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    with catalog.session() as session:
        head = session.execute(HEAD.select().where(HEAD.c.id == 1)).one()
    seq, prev = head.seq, head.hash
    batch: list[dict[str, object]] = []
    for _ in range(count):
        seq += 1
        user = rng.randrange(1, USERS + 1)
        record = rng.randrange(1, RECORDS + 1)
        action = rng.choice(ACTIONS)
        fields: dict[str, object] = {
            "seq": seq, "occurred_at": base + dt.timedelta(seconds=seq * 31536000 / max(count, 1)),
            "action": action, "actor_id": user, "actor_name": f"user{user}", "actor_role": "researcher",
            "object_type": "record", "object_id": str(record), "record_id": record,
            "reference_code": f"J001-WS·2023-D30-BGS-{record:05d}", "outcome": "allowed",
            "ip": f"10.{user % 250}.{record % 250}.{rng.randrange(1, 250)}", "user_agent": "Mozilla/5.0 (bench)",
            "request_id": f"{seq:032x}", "purpose": "学术研究" if action == "download" else None,
            "details": details_text({"query": "校史 1958", "hits": 12} if action == "search" else {}),
            "prev_hash": prev,
        }
        fields["hash"] = prev = event_hash(fields)
        batch.append(fields)
        if len(batch) == 20_000:
            _flush(catalog, batch, seq, prev)
    _flush(catalog, batch, seq, prev)
    return time.perf_counter() - start


def _flush(catalog: Catalog, batch: list[dict[str, object]], seq: int, prev: str) -> None:
    if not batch:
        return
    with catalog.session() as session:
        session.execute(insert(EVENTS), batch)
        session.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=seq, hash=prev))
    batch.clear()


def time_appends(catalog: Catalog, count: int, *, commit: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per append: inside an open transaction (the request's share) or with its commit."""
    wall: list[float] = []
    cpu: list[float] = []

    def one(session: object, i: int) -> None:
        record_event(session, action="record_view", actor_id=1, actor_name="bench",  # type: ignore[arg-type]
                     actor_role="researcher", object_type="record", object_id=i % 1000 + 1, ip="127.0.0.1",
                     user_agent="bench", request_id=f"r{i}", details={"page": 1})

    if commit:
        for i in range(count):
            start, start_cpu = time.perf_counter(), time.process_time()
            with catalog.session() as session:
                one(session, i)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        return wall, cpu
    with catalog.session() as session:
        for i in range(count):
            start, start_cpu = time.perf_counter(), time.process_time()
            one(session, i)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def time_queries(catalog: Catalog, make: Callable[[int], AuditFilter], runs: int, rng: random.Random) -> list[float]:
    """Milliseconds per first page of an admin query."""
    times: list[float] = []
    for _ in range(runs):
        filt = make(rng.randrange(1, 10_000))
        start = time.perf_counter()
        with catalog.session() as session:
            page = find_events(session, filt)
            _ = [e.hash for e in page.events]
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(name: str, url: str, events: int, appends: int) -> list[tuple[str, str, str, str]]:
    """All measurements on one database; returns table rows."""
    rng = random.Random(6)
    catalog = Catalog(url)
    catalog.upgrade()
    rows: list[tuple[str, str, str, str]] = []
    for commit in (False, True):
        wall, cpu = time_appends(catalog, appends, commit=commit)
        label = "append + commit (own txn)" if commit else "append in request txn"
        rows.append((name, label, f"wall p50 {statistics.median(wall):.3f} / p95 {percentile(wall, 95):.3f} ms; "
                     f"CPU p95 {percentile(cpu, 95):.3f} ms", "< 2 ms p95"))
    fill = bulk_fill(catalog, events, rng)
    rows.append((name, f"bulk fill {events:,} events", f"{fill:.1f} s", "-"))
    start, start_cpu = time.perf_counter(), time.process_time()
    result = verify_chain(catalog.engine)
    took, cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    assert result.ok, result
    rows.append((name, f"verify {result.events:,} events", f"{took:.2f} s wall, {cpu_s:.2f} s CPU "
                 f"({result.events / took:,.0f}/s)", "< 10 s per 1,000,000"))
    for label, make in (
        ("query by user (first page)", lambda n: AuditFilter(user=str(n % USERS + 1))),
        ("query by record (first page)", lambda n: AuditFilter(record=str(n % RECORDS + 1))),
        ("query by user + action", lambda n: AuditFilter(user=str(n % USERS + 1), action="download")),
        ("query by IP", lambda n: AuditFilter(ip=f"10.{n % 250}.{n % 250}.{n % 249 + 1}")),
    ):
        times = time_queries(catalog, make, 50, rng)
        rows.append((name, label, f"p50 {statistics.median(times):.1f} ms / p95 {percentile(times, 95):.1f} ms",
                     "< 200 ms"))
    catalog.dispose()
    return rows


def main() -> None:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--postgres", help="also run on this (empty, throwaway) PostgreSQL database URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows += run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args.events, args.appends)
    if args.postgres:
        rows += run("postgresql", args.postgres, args.events, args.appends)
    widths = [max(len(r[i]) for r in [("db", "measure", "result", "target"), *rows]) for i in range(4)]
    for row in [("db", "measure", "result", "target"), tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))


if __name__ == "__main__":
    main()
