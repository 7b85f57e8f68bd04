"""The ``SearchBackend`` interface and the types that cross it.

The catalog is the source of truth; a backend holds ``SearchDocument``s built from it
(``indexer/search/documents.py``) and answers ``SearchRequest``s. Access control is applied
inside the backend from the request's ``Clearance``: a record the caller may not see gives
no hit, no snippet and no facet count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from archive.access import Clearance
from config.errors import InputError, LantaiError

FACETS = ("category", "year", "department", "fonds", "retention", "access_level", "file_type", "language")
SORTS = ("relevance", "date_desc", "date_asc", "title")
FACET_BUDGET_MS = 50.0  # what facets may add to a search; see indexer/search/facets.py


class QuerySyntaxError(InputError):
    """The query cannot be parsed; the message says where and how to fix it."""

    code = "query_syntax"
    default_zh = "检索式有误"
    default_en = "The query is malformed"


class SearchUnavailable(LantaiError):
    """The search engine cannot be reached (a transient fault, worth retrying)."""

    code = "search_unavailable"
    http_status = 503
    default_zh = "检索服务暂不可用"
    default_en = "Search is unavailable"


@dataclass
class SearchPage:
    """One page's text as indexed."""

    number: int
    text: str


@dataclass
class SearchDocument:
    """A record as the search index sees it (built from the catalog)."""

    id: int
    revision: int
    title: str = ""
    filename: str = ""
    reference_code: str = ""
    doc_number: str = ""
    creator: str = ""
    department: str = ""
    category: str = ""
    fonds: str = ""
    retention: str = ""
    year: int | None = None
    date: dt.date | None = None
    access_level: str = "internal"
    file_type: str = ""  # short family: pdf, image, docx, ...
    language: str = ""
    pages: list[SearchPage] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # extra display fields
    thumbnail: bool = False  # the first page has a picture, shown beside the hit


@dataclass(kw_only=True)
class SearchRequest:
    """A search as the user asked it, plus who is asking.

    ``clearance`` has no default: a search that does not say whose it is, is a programming
    error (``TypeError``), never a search that sees everything.
    """

    clearance: Clearance
    query: str = ""
    filters: Mapping[str, list[str]] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0
    facets: tuple[str, ...] = FACETS
    record_id: int | None = None  # search within one record
    facet_budget_ms: float = FACET_BUDGET_MS  # facets that would take longer are left out


@dataclass
class PageHit:
    """A page of a hit where the query matched, with a snippet."""

    number: int
    snippet: str


@dataclass
class SearchHit:
    """One matching record."""

    id: int
    title: str
    filename: str
    score: float
    snippet: str  # HTML-safe, matches wrapped in <mark>
    pages: list[PageHit] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    thumbnail: bool | None = None  # the first page has a picture; None: indexed before the index said


@dataclass
class FacetCount:
    """One value of a facet with its count."""

    value: str
    count: int


@dataclass
class SearchResponse:
    """The answer: exact total, hits of the requested page, facet counts."""

    total: int
    took_ms: float
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)  # normalised query terms, for highlighting
    # Facets not counted within the request's facet budget (their lists are empty); the
    # portal shows them as "分面未统计：检索词过于常见 / not counted: the search is too broad".
    facets_incomplete: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by ``lantai search --json`` and ``GET /api/v1/search``."""
        return {
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "hits": [
                {
                    "id": h.id,
                    "title": h.title,
                    "filename": h.filename,
                    "score": h.score,
                    "snippet": h.snippet,
                    "pages": [{"number": p.number, "snippet": p.snippet} for p in h.pages],
                    "fields": h.fields,
                }
                for h in self.hits
            ],
            "facets": {
                name: [{"value": c.value, "count": c.count} for c in counts]
                for name, counts in self.facets.items()
            },
            "facets_incomplete": list(self.facets_incomplete),
        }


class SearchBackend(Protocol):
    """A full-text index of records."""

    name: str

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by id) and make them searchable."""
        ...

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by record id."""
        ...

    def search(self, request: SearchRequest) -> SearchResponse:
        """Answer a search; raise ``QuerySyntaxError`` for a malformed query."""
        ...

    def revisions(self) -> dict[int, int]:
        """Every indexed record id with the revision it was indexed at (for ``index check``)."""
        ...

    def rebuild(
        self,
        documents: Iterable[SearchDocument],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a fresh index beside the live one, then swap it in; search answers meanwhile."""
        ...

    def rebuild_checkpoint(self) -> int | None:
        """The last record id an interrupted ``rebuild`` committed (resume after it), or None."""
        ...

    def discard_rebuild(self) -> None:
        """Forget an interrupted rebuild, so the next one starts over."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...
