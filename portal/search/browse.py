"""Browse the holdings as the levels of the 档号: 全宗 → 门类 → 年度 → 保管期限 → 机构(问题).

Every level shows its values with counts, each a link one level down and to the search filtered
to it. Counts come from the search engine with the caller's clearance, so they count only what
the caller may find (the same rule as search facets). The record page shows its place here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale

from archive.catalog.models import Record
from archive.vocabulary import display
from indexer.search.base import FacetCount, SearchRequest
from portal.records import guard
from portal.search.facets import FACET_LABELS
from portal.search.params import SearchParameterError, SearchState

bp = Blueprint("browse", __name__, url_prefix="/browse")

LEVELS = ("fonds", "category", "year", "retention", "department")
LEVEL_LABELS = {level: FACET_LABELS[level] for level in LEVELS}  # msgids: the levels are facets
BROWSE_FACET_BUDGET_MS = 2000.0  # one facet per page: let it finish on a large archive


@dataclass
class Step:
    """One level of a path: its field, value, label as shown, and the records under it."""

    level: str
    value: str
    label: str
    count: int | None = None


def level_label(level: str, value: str) -> str:
    """A level's value as shown in the user's language (codes with their names)."""
    return display(level, value, str(get_locale())) or value


def parse_path(args: Mapping[str, str]) -> list[tuple[str, str]]:
    """The levels chosen in the URL, top down; a level counts only below a chosen one."""
    path: list[tuple[str, str]] = []
    for level in LEVELS:
        value = (args.get(level) or "").strip()
        if not value:
            break
        if level == "year" and not value.lstrip("-").isdigit():
            raise SearchParameterError(f"year={value!r} is not a year", f"year={value!r} 不是年份")
        path.append((level, value))
    return path


def browse_url(path: list[tuple[str, str]]) -> str:
    """The browse page of a path."""
    return url_for("browse.index") + ("?" + urlencode(path) if path else "")


def search_url(path: list[tuple[str, str]]) -> str:
    """The search filtered to a path (its query string made as the search page makes its own)."""
    return url_for("search.search") + "?" + SearchState(filters=list(path)).url_query()


def record_trail(record: Record) -> list[tuple[str, str, str]]:
    """A record's place in the hierarchy: (level, value as shown, browse URL), down to its first gap."""
    values = {
        "fonds": record.fonds_code,
        "category": record.category_code,
        "year": record.year,
        "retention": record.retention,
        "department": record.department or record.department_code,
    }
    trail: list[tuple[str, str, str]] = []
    path: list[tuple[str, str]] = []
    for level in LEVELS:
        value = values[level]
        if value in (None, ""):
            break
        path.append((level, str(value)))
        trail.append((level, level_label(level, str(value)), browse_url(path)))
    return trail


def _count(path: list[tuple[str, str]], facet: str | None) -> tuple[int, list[FacetCount]]:
    ctx = guard.lantai()
    with ctx.catalog.session() as session:
        clearance = guard.clearance(session)
    response = ctx.search.search(
        SearchRequest(
            clearance=clearance,
            filters={level: [value] for level, value in path},
            limit=0,
            facets=(facet,) if facet else (),
            facet_budget_ms=BROWSE_FACET_BUDGET_MS,
        )
    )
    counts = response.facets.get(facet, []) if facet else []
    if facet == "year":
        counts = sorted(counts, key=lambda c: int(c.value))
    elif facet:
        counts = sorted(counts, key=lambda c: c.value)
    return response.total, counts


@bp.get("")
def index() -> tuple[str, int]:
    """One level of the hierarchy under the chosen path, with counts."""
    error: str | None = None
    path: list[tuple[str, str]] = []
    try:
        path = parse_path(request.args)
    except SearchParameterError as exc:
        error = exc.message
    trail = []
    for depth in range(1, len(path) + 1):
        level, value = path[depth - 1]
        total, _counts = _count(path[:depth], None)
        trail.append(Step(level, value, level_label(level, value), total))
    nxt = LEVELS[len(path)] if len(path) < len(LEVELS) else None
    total, counts = _count(path, nxt)
    children = (
        [
            (
                Step(nxt, c.value, level_label(nxt, c.value), c.count),
                browse_url([*path, (nxt, c.value)]),
                search_url([*path, (nxt, c.value)]),
            )
            for c in counts
        ]
        if nxt
        else []
    )
    crumbs = [(step, browse_url(path[: i + 1]), search_url(path[: i + 1])) for i, step in enumerate(trail)]
    return (
        render_template(
            "browse/index.html",
            error=error,
            total=total,
            crumbs=crumbs,
            level=nxt,
            level_labels=LEVEL_LABELS,
            children=children,
            all_url=search_url(path) if path else url_for("search.search"),
            root_url=browse_url([]),
        ),
        400 if error else 200,
    )
