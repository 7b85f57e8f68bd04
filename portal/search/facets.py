"""The search page's facet sidebar and filter chips, worked out once per request.

A page shows up to eight facets of a dozen values or more. Each value's label (a code with
its name in the reader's language), count and link are built here in one pass, with every
translated string looked up once per page, so the template only prints them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from indexer.search.base import FACETS, SearchResponse
from portal.i18n import translator
from portal.records.service import display_value
from portal.search.params import SearchState

# Msgids of the facets' headings (their English is in the catalogue).
FACET_LABELS = {
    "category": "门类",
    "year": "年度",
    "department": "机构(问题)",
    "fonds": "全宗",
    "retention": "保管期限",
    "access_level": "访问级别",
    "file_type": "文件类型",
    "language": "语种",
}
FACET_VALUES_SHOWN = 12  # the rest fold under "more"
LABELS_KEPT = 4096


@functools.lru_cache(maxsize=LABELS_KEPT)
def facet_value_label(name: str, value: str, language: str) -> str:
    """A facet value as shown: codes with their names in the user's language (kept: the same
    years, categories and departments come back on every page)."""
    return display_value({"category": "category_code"}.get(name, name), value, language)


@dataclass(slots=True)
class FacetValue:
    """One value in the sidebar: its label, count, and the query string that toggles it."""

    label: str
    count: int
    href: str  # ``?`` and the query string with this value added, or removed when active
    active: bool
    first_folded: bool  # the first value under "more"


@dataclass(frozen=True)
class Facet:
    """One facet of the sidebar; values past ``FACET_VALUES_SHOWN`` fold under ``more_label``."""

    name: str
    label: str
    values: list[FacetValue]
    more_label: str  # empty when nothing folds


@dataclass(frozen=True)
class ActiveFilter:
    """A chip of the filters in force: what it is, and the link that removes it."""

    label: str  # the facet's heading
    value_label: str
    href: str
    remove_label: str  # the link's accessible name


def facet_labels() -> dict[str, str]:
    """Each facet's heading in the request's language."""
    gettext = translator()
    return {name: gettext(label) for name, label in FACET_LABELS.items()}


def facets(state: SearchState, response: SearchResponse, language: str, labels: dict[str, str]) -> list[Facet]:
    """The sidebar's facets with counted values, in ``FACETS`` order."""
    gettext = translator()
    found: list[Facet] = []
    for name in FACETS:
        counts = response.facets.get(name) or []
        if not counts:
            continue
        values = []
        for i, c in enumerate(counts):
            active = state.has_filter(name, c.value)
            href = state.without_filter(name, c.value) if active else state.with_filter(name, c.value)
            label = facet_value_label(name, c.value, language)
            values.append(FacetValue(label, c.count, "?" + href, active, i == FACET_VALUES_SHOWN))
        folded = len(counts) - FACET_VALUES_SHOWN
        more = gettext("更多（%(n)s）") % {"n": folded} if folded > 0 else ""
        found.append(Facet(name, labels[name], values, more))
    return found


def active_filters(state: SearchState, language: str, labels: dict[str, str]) -> list[ActiveFilter]:
    """A chip for each filter in force."""
    gettext = translator()
    chips = []
    for name, value in state.filters:
        shown = facet_value_label(name, value, language)
        remove = gettext("移除条件 %(f)s：%(v)s") % {"f": labels[name], "v": shown}
        chips.append(ActiveFilter(labels[name], shown, "?" + state.without_filter(name, value), remove))
    return chips
