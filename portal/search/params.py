"""The search state in a URL: parse query parameters into a ``SearchRequest`` and back.

The search page and ``GET /api/v1/search`` share this, so a bookmarked page and an API
call with the same parameters ask the same question. Parameters: ``q`` (or ``query``),
repeated ``f=field:value`` (or ``filter=field=value``, as on the command line), ``from``
and ``to`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), ``sort``, ``page`` (or ``limit``
and ``offset``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode

from werkzeug.datastructures import MultiDict

from archive.access import Clearance
from archive.dates import BadDate, parse_date
from config.errors import InputError
from indexer.search.base import FACETS, SORTS, SearchRequest
from indexer.search.values import canonical

PAGE_SIZE = 20
PAGE_SIZES = (10, 20, 50, 100)  # the portal's per-page choices
MAX_LIMIT = 100
MAX_OFFSET = 10_000


class SearchParameterError(InputError):
    """A search parameter in the URL cannot be used."""

    code = "bad_search_parameter"
    default_zh = "检索参数无效"
    default_en = "Invalid search parameter"


def _joined(*parts: str) -> str:
    """Query string parts joined with ``&``, empty ones left out."""
    return "&".join(part for part in parts if part)


@functools.lru_cache(maxsize=4096)
def filter_param(name: str, value: str) -> str:
    """``f=name:value`` encoded as ``urlencode`` does; the same values recur on every page's facets."""
    return "f=" + quote_plus(f"{name}:{value}")


@dataclass
class SearchState:
    """Everything the URL says about a search, ready to be turned into links."""

    query: str = ""
    filters: list[tuple[str, str]] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1
    limit: int = PAGE_SIZE
    start: int | None = None  # an explicit ``offset`` (API), overriding ``page``
    # The query string in two parts (``_encoded_parts``), encoded once for all the links of a page.
    _encoded: tuple[tuple[object, ...], str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def offset(self) -> int:
        """Index of the first hit on this page."""
        return self.start if self.start is not None else (self.page - 1) * self.limit

    @property
    def is_empty(self) -> bool:
        """No query, no filter and no date range: show the browse view."""
        return not (self.query or self.filters or self.date_from or self.date_to)

    def filter_map(self) -> dict[str, list[str]]:
        """Filters grouped by field."""
        grouped: dict[str, list[str]] = {}
        for name, value in self.filters:
            grouped.setdefault(name, []).append(value)
        return grouped

    def has_filter(self, name: str, value: str) -> bool:
        """Whether this facet value is active."""
        return (name, value) in self.filters

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """The URL parameters of this state with some changed (``page`` resets unless given)."""
        query = str(changes.get("query", self.query))
        filters = changes.get("filters", self.filters)
        pairs: list[tuple[str, str]] = []
        if query:
            pairs.append(("q", query))
        for name, value in filters:  # type: ignore[attr-defined]
            pairs.append(("f", f"{name}:{value}"))
        for key, attr in (("from", "date_from"), ("to", "date_to")):
            value = str(changes.get(attr, getattr(self, attr)))
            if value:
                pairs.append((key, value))
        sort = str(changes.get("sort", self.sort))
        if sort != "relevance":
            pairs.append(("sort", sort))
        limit = int(changes.get("limit", self.limit))  # type: ignore[call-overload]
        if limit != PAGE_SIZE:
            pairs.append(("limit", str(limit)))
        page = int(changes.get("page", 1))  # type: ignore[call-overload]
        if page > 1:
            pairs.append(("page", str(page)))
        return pairs

    def url_query(self, **changes: object) -> str:
        """``params`` as a query string (without the ``?``)."""
        if changes.keys() <= {"page"}:  # this search on some page: one encoding serves every link
            head, tail = self._encoded_parts()
            page = int(changes.get("page", 1))  # type: ignore[call-overload]
            return _joined(head, tail, f"page={page}" if page > 1 else "")
        return urlencode(self.params(**changes))

    def with_filter(self, name: str, value: str) -> str:
        """Query string with a facet value added."""
        if self.has_filter(name, value):
            return self.url_query()
        head, tail = self._encoded_parts()
        return _joined(head, filter_param(name, value), tail)

    def _encoded_parts(self) -> tuple[str, str]:
        """``url_query()`` encoded in two parts, split where a new filter goes: (query and
        filters, the rest but the page); encoded once for all the links of a page."""
        key = (self.query, tuple(self.filters), self.date_from, self.date_to, self.sort, self.limit)
        if self._encoded is None or self._encoded[0] != key:
            pairs = self.params()
            split = (1 if self.query else 0) + len(self.filters)
            self._encoded = (key, urlencode(pairs[:split]), urlencode(pairs[split:]))
        return self._encoded[1], self._encoded[2]

    def without_filter(self, name: str, value: str) -> str:
        """Query string with a facet value removed."""
        return self.url_query(filters=[f for f in self.filters if f != (name, value)])


def period_bound(raw: str, name: str, end: bool = False) -> dt.date | None:
    """A bound of a date range: ``YYYY`` or ``YYYY-MM`` (its first day, or last when ``end``), or a
    whole date in any form ``archive.dates`` reads (2023-05-12, 2023年5月12日 ...)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        parts = [int(p) for p in raw.split("-")] if re.fullmatch(r"\d{4}(-\d{1,2})?", raw) else []
        if len(parts) == 1:
            return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)
        if len(parts) == 2:
            first = dt.date(parts[0], parts[1], 1)
            if not end:
                return first
            following = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return parse_date(raw)
    except (ValueError, BadDate):
        pass
    raise SearchParameterError(
        f"{name}={raw!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD",
        f"{name}={raw!r} 不是有效日期；请使用 YYYY、YYYY-MM 或 YYYY-MM-DD",
    )


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int, clamp: bool = False) -> int:
    raw = args.get(name, "")
    if raw in ("", None):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
        clamp = False  # not a number at all: say so
    if clamp:
        return min(max(value, low), high)
    if not low <= value <= high:
        raise SearchParameterError(
            f"{name} must be a whole number from {low} to {high}",
            f"{name} 必须是 {low} 到 {high} 之间的整数",
        )
    return value


def _split_filter(raw: str, separator: str) -> tuple[str, str]:
    name, sep, value = raw.partition(separator)
    name = name.strip()
    if not sep or not value.strip() or name not in FACETS:
        raise SearchParameterError(
            f"Filter {raw!r} must look like FIELD{separator}VALUE with FIELD one of {', '.join(FACETS)}",
            f"筛选条件 {raw!r} 应为 字段{separator}值，字段为 {'、'.join(FACETS)} 之一",
        )
    return name, canonical(name, value.strip())


def parse_state(args: MultiDict[str, str], page_size: int = PAGE_SIZE, clamp_page: bool = False) -> SearchState:
    """Read the search state from URL parameters; raise ``SearchParameterError`` on a bad one.

    ``clamp_page`` (the portal): a page number out of range is taken as the nearest page there is.
    """
    state = SearchState(query=(args.get("q") or args.get("query") or "").strip())
    seen: set[tuple[str, str]] = set()
    pairs = [_split_filter(r, ":") for r in args.getlist("f") if r.strip()]
    pairs += [_split_filter(r, "=") for r in args.getlist("filter") if r.strip()]
    for pair in pairs:
        if pair not in seen:
            seen.add(pair)
            state.filters.append(pair)
    state.date_from = args.get("from", "").strip()
    state.date_to = args.get("to", "").strip()
    period_bound(state.date_from, "from")
    period_bound(state.date_to, "to", end=True)
    state.sort = args.get("sort", "").strip() or "relevance"
    if state.sort not in SORTS:
        raise SearchParameterError(f"sort must be one of {', '.join(SORTS)}", f"sort 必须是 {'、'.join(SORTS)} 之一")
    state.limit = _int(args, "limit", page_size, 1, MAX_LIMIT)
    if "offset" in args:
        state.start = _int(args, "offset", 0, 0, MAX_OFFSET)
        state.page = state.start // state.limit + 1
    else:
        state.page = _int(args, "page", 1, 1, MAX_OFFSET // state.limit + 1, clamp=clamp_page)
    return state


def to_request(state: SearchState, clearance: Clearance) -> SearchRequest:
    """The backend request for a state, run with the caller's clearance."""
    return SearchRequest(
        query=state.query,
        filters=state.filter_map(),
        date_from=period_bound(state.date_from, "from"),
        date_to=period_bound(state.date_to, "to", end=True),
        sort=state.sort,
        limit=state.limit,
        offset=state.offset,
        clearance=clearance,
    )
