"""Purging the text of records closed to ``secret`` from the index files.

A search engine deletes a document by marking it; its words stay in the segment files until
those are merged. So when a record that was indexed with its text becomes secret, search stops
showing it at once (``indexer.search.sync``), and a purge is requested: a rebuild of the index
from the catalog beside the live one, swapped in when done, after which no file holds the text.
The worker runs pending purges (``PURGE_TASK``); ``lantai reindex`` does the same work and clears
the request; ``lantai index check`` reports a pending one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.search.documents import iter_documents

if TYPE_CHECKING:
    from indexer.context import Lantai

log = logging.getLogger(__name__)

MARKER = "index-purge.json"


def marker_path(lantai: Lantai) -> Path:
    """Where a pending purge is recorded (beside the catalog, so every process sees it)."""
    return lantai.settings.data_dir / MARKER


def _write(lantai: Lantai, ids: list[int]) -> None:
    path = marker_path(lantai)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"records": ids, "requested_at": dt.datetime.now(dt.UTC).isoformat()}))
    os.replace(tmp, path)


def request_purge(lantai: Lantai, record_ids: list[int]) -> None:
    """Record that the index files may still hold text of these (now secret) records."""
    _write(lantai, sorted(set(pending_purge(lantai) or []) | set(record_ids)))


def pending_purge(lantai: Lantai) -> list[int] | None:
    """The records whose text a purge must remove, or None when none is pending."""
    try:
        return [int(i) for i in json.loads(marker_path(lantai).read_text())["records"]]
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return []  # a damaged marker still asks for a purge


def clear_purge(lantai: Lantai, requested: list[int] | None) -> None:
    """Forget the purge request once a rebuild covered ``requested`` (a newer request stays)."""
    now = pending_purge(lantai)
    if now is None:
        return
    left = sorted(set(now) - set(requested or []))
    if left:
        _write(lantai, left)
    else:
        marker_path(lantai).unlink(missing_ok=True)


def purge(lantai: Lantai, _now: dt.datetime | None = None) -> str | None:
    """Rebuild the index from the catalog if a purge is pending; a short report."""
    requested = pending_purge(lantai)
    if requested is None:
        return None
    lantai.search.discard_rebuild()  # a purge never resumes an older rebuild: it must cover everything
    count = lantai.search.rebuild(iter_documents(lantai))
    clear_purge(lantai, requested)
    log.info("index purged of %d secret records' text (%d records reindexed)", len(requested), count)
    return f"purged {len(requested)} secret records' text; {count} records reindexed"
