"""A process that appends audit events (for the concurrency test)."""

from __future__ import annotations

from archive.audit.chain import record_event
from archive.catalog.db import Catalog


def append_events(url: str, name: str, count: int) -> None:
    """Append ``count`` events as actor ``name``, one transaction each."""
    catalog = Catalog(url)
    try:
        for i in range(count):
            with catalog.session() as session:
                record_event(session, action="search", actor_name=name, details={"i": i})
    finally:
        catalog.dispose()
