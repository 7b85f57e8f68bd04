"""Discovery: a researcher finds restricted records by their catalogue entry, never their content.

The archive chooses which catalogue fields are public (setting ``LANTAI_DISCOVERY_FIELDS``,
names of ``archive.vocabulary.DESCRIPTION_FIELDS``). A researcher's search then runs a second
time, rewritten so that it can match only those fields, with a clearance of restricted records
alone (one access term, as every search); its hits keep only those fields: no snippet, no page,
no thumbnail, no facet. Secret records are never part of it.
"""

from __future__ import annotations

from dataclasses import replace

from archive.access import RESTRICTED, Clearance
from indexer.search.base import SearchHit, SearchRequest
from indexer.search.query import And, MatchAll, Node, Not, Or, Term, YearRange, parse
from indexer.search.query_text import to_text

# Catalogue fields an archive may make discoverable -> the search field matching them.
SEARCH_FIELD = {
    "title": "title",
    "reference_code": "reference_code",
    "doc_number": "doc_number",
    "creator": "creator",
    "department": "department",
    "fonds_code": "fonds",
    "category_code": "category",
    "date": "year",
}
DISCOVERABLE = tuple(SEARCH_FIELD)
# Facet filters a discovery search may keep (each needs its catalogue field to be public).
FILTER_NEEDS = {"category": "category_code", "department": "department", "fonds": "fonds_code", "year": "date"}
# Hit fields shown for each public catalogue field.
HIT_FIELDS = {
    "reference_code": ("reference_code",),
    "doc_number": ("doc_number",),
    "creator": ("creator",),
    "department": ("department",),
    "fonds_code": ("fonds",),
    "category_code": ("category",),
    "date": ("date", "year"),
}


def parse_fields(setting: str) -> tuple[str, ...]:
    """The public catalogue fields named by the setting (comma-separated; empty: no discovery)."""
    names = tuple(n.strip() for n in setting.split(",") if n.strip())
    unknown = [n for n in names if n not in SEARCH_FIELD]
    if unknown:
        raise ValueError(f"not discoverable: {', '.join(unknown)}; choose from {', '.join(DISCOVERABLE)}")
    return names


def _rewrite(node: Node, text_fields: tuple[str, ...], dated: bool) -> Node | None:
    """``node`` matching public fields only; None where it could match nothing."""
    if isinstance(node, MatchAll):
        return node
    if isinstance(node, YearRange):
        return node if dated else None
    if isinstance(node, Term):
        if node.field is not None:
            return node if node.field in text_fields else None
        choices = [Term(node.units, name, node.prefix) for name in text_fields]
        if not choices:
            return None
        return choices[0] if len(choices) == 1 else Or(tuple(choices))
    if isinstance(node, Not):
        inner = _rewrite(node.part, text_fields, dated)
        # NOT of a hidden field cannot be told apart: excluding nothing would reveal nothing,
        # but including a record the user's own words exclude would look wrong; drop the search.
        return Not(inner) if inner is not None else None
    parts = [_rewrite(p, text_fields, dated) for p in node.parts]
    if isinstance(node, And):
        if any(p is None for p in parts):
            return None
        return And(tuple(p for p in parts if p is not None))
    kept = tuple(p for p in parts if p is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Or(kept)


def discovery_request(request: SearchRequest, fields: tuple[str, ...], limit: int = 10) -> SearchRequest | None:
    """The search for restricted catalogue entries matching ``request`` on public fields only.

    None when discovery is off, or the request needs a field that is not public (its words,
    filters or dates could then only match through hidden values).
    """
    if not fields or request.record_id is not None:
        return None
    dated = "date" in fields
    if any(FILTER_NEEDS.get(name) not in fields for name, values in request.filters.items() if values):
        return None
    if (request.date_from or request.date_to) and not dated:
        return None
    text_fields = tuple(SEARCH_FIELD[f] for f in fields if f != "date")
    tree = _rewrite(parse(request.query), text_fields, dated)
    if tree is None:
        return None
    sort = request.sort if dated or not request.sort.startswith("date") else "title"
    return replace(
        request,
        query=to_text(tree),
        clearance=Clearance(frozenset({RESTRICTED})),
        sort=sort,
        limit=limit,
        offset=0,
        facets=(),
    )


def entry_hit(hit: SearchHit, fields: tuple[str, ...]) -> SearchHit:
    """A hit cut down to its public catalogue entry: no snippet, no pages, no other field."""
    shown = {key for name in fields for key in HIT_FIELDS.get(name, ())}
    return SearchHit(
        id=hit.id,
        title=hit.title if "title" in fields else "",
        filename="",
        score=0.0,
        snippet="",
        pages=[],
        fields={k: v for k, v in hit.fields.items() if k in shown},
    )
