"""Keeping the search index in step with the catalog when records change (``archive.catalog.db.IndexSync``).

A change that closes a record further (a 密级 set to 秘密, 开放标识 to 控制, a record removed)
is written to the index inside the catalog's transaction, from that transaction's own view, so
there is no moment where the catalog says "secret" and search still shows the record to the
public; if the index cannot be written the change is refused. Every other change is indexed
once committed, and a failure then only delays it (``lantai index check`` reports it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from archive.vocabulary import AccessLevel
from config.errors import LantaiError
from indexer.search.documents import index_records, load_session_documents
from indexer.search.purge import request_purge

if TYPE_CHECKING:
    from indexer.context import Lantai

log = logging.getLogger(__name__)


def _rank(level: str | None) -> int:
    try:
        return AccessLevel(level).rank if level else -1
    except ValueError:
        return -1


class SearchSync:
    """The index sync of a running Lantai: installed on its catalog at start."""

    def __init__(self, lantai: Lantai) -> None:
        self.lantai = lantai

    def before_commit(self, session: Session, changed: dict[int, str | None]) -> set[int]:
        """Index now the records this transaction closed further (or removed); their ids."""
        docs, gone = load_session_documents(session, list(changed))
        closing = [d for d in docs if _rank(d.access_level) > _rank(changed[d.id]) and changed[d.id] is not None]
        if closing:
            self.lantai.search.index(closing)  # raises SearchUnavailable: the change is refused
            newly_secret = [d.id for d in closing if d.access_level == AccessLevel.SECRET]
            if newly_secret:  # their text was indexed: the files keep it until a purge
                request_purge(self.lantai, newly_secret)
        if gone:
            self.lantai.search.delete(gone)
        return {d.id for d in closing} | set(gone)

    def after_commit(self, changed: dict[int, str | None]) -> None:
        """Index the rest once the catalog holds the change."""
        rest = list(changed)
        try:
            index_records(self.lantai, rest)
        except LantaiError as exc:
            log.warning("records %s not indexed yet: %s", rest, exc)
