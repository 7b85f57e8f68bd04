"""Workers for the concurrent 档号 tests: importable by spawned processes."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from archive.catalog.db import Catalog
from archive.catalog.models import Record
from archive.description.reference import assign_reference_code, run_in_transaction
from archive.vocabulary import RecordStatus

PATTERN = "{fonds}-{category}·{year}-{retention}-{department}-{item:04d}"
SERIES = {"fonds_code": "J001", "category_code": "WS", "year": 2023, "retention": "D30", "department_code": "BGS"}


def describe_many(url: str, count: int, worker: int, hold_seconds: float = 0.003) -> list[str]:
    """Create ``count`` records of one series, each numbered in its own transaction."""
    catalog = Catalog(url)
    codes: list[str] = []
    try:
        for index in range(count):

            def work(session: Session, index: int = index) -> str:
                record = Record(title=f"worker {worker} record {index}", status=RecordStatus.DONE, extra={}, **SERIES)
                session.add(record)
                session.flush()
                code = assign_reference_code(session, record, PATTERN)
                time.sleep(hold_seconds)  # keep the counter locked a while: others must wait, not skip
                assert code is not None
                return code

            codes.append(run_in_transaction(catalog, work, attempts=50))
    finally:
        catalog.dispose()
    return codes
