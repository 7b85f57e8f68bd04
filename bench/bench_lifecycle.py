"""Benchmark of the due lists (鉴定、开放审核到期清单) on a large catalog.

    .venv/bin/python bench/bench_lifecycle.py                 # SQLite, 100,000 records
    .venv/bin/python bench/bench_lifecycle.py --records 20000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

No target in the issue; the figures stand beside a reference measured in the same run: loading
the same number of records with one plain query (what any list of that size costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from archive.catalog.db import Catalog
from archive.catalog.models import Record
from config.settings import load_settings
from lifecycle.due import disposal_due, opening_due

KINDS = (("Y", "内部", None), ("D30", "内部", None), ("D10", "内部", None), ("Y", "秘密", None),
         ("D30", "公开", "控制"))


def fill(catalog: Catalog, count: int) -> None:
    """``count`` records over 1950–2024, the five kinds of the lifecycle tests in turn."""
    rows = []
    for n in range(count):
        retention, classification, openness = KINDS[n % len(KINDS)]
        rows.append({"title": f"档案{n}", "fonds_code": "J001", "category_code": "WS", "year": 1950 + n % 75,
                     "retention": retention, "department_code": "BGS", "classification": classification,
                     "openness": openness, "access_level": "secret" if classification == "秘密" else "internal",
                     "status": "done", "page_count": 1, "extra": {}, "revision": 1,
                     "created_at": dt.datetime.now(dt.UTC), "updated_at": dt.datetime.now(dt.UTC)})
    with catalog.session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Record), rows[start:start + 5000])


def timed(catalog: Catalog, label: str, run: Callable[[Session], list[Any]], repeat: int = 3) -> int:
    """Best of ``repeat`` runs, each in a fresh session, in milliseconds, printed; the list's length."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        with catalog.session() as session:
            started = time.perf_counter()
            size = len(run(session))
            best = min(best, (time.perf_counter() - started) * 1000)
    print(f"{label:<56} {best:9.1f} ms   ({size} records)")
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of SQLite (its tables must be empty)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{folder}/catalog.sqlite3"
        settings = load_settings({"LANTAI_DATA_DIR": folder})
        catalog = Catalog(url)
        catalog.upgrade()
        fill(catalog, args.records)
        now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
        print(f"{args.records} records on {catalog.dialect}")
        size = timed(catalog, "disposal due list (2025)", lambda s: disposal_due(s, now))
        timed(catalog, "reference: as many records by one plain query",
              lambda s: list(s.scalars(select(Record).order_by(Record.id).limit(size))))
        size = timed(catalog, "opening due list (2025)", lambda s: opening_due(s, now, settings))
        timed(catalog, "reference: as many records by one plain query",
              lambda s: list(s.scalars(select(Record).order_by(Record.id).limit(size))))
        catalog.dispose()


if __name__ == "__main__":
    main()
