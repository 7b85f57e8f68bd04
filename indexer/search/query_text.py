"""A parsed query written back as query-language text (``query.parse`` reads it again).

Used where a query is rewritten (discovery of restricted records by their catalogue entry)
and where a form writes the query the search box accepts.
"""

from __future__ import annotations

import re

from indexer.search.query import And, MatchAll, Node, Not, Or, Term, YearRange, units_text

# A word that reads back as itself without quotes (no space, quote, bracket, colon, star or
# leading minus, and not an operator).
_BARE = re.compile(r'^[^\s"“”()（）:*\-][^\s"“”()（）:*]*$')
OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||"})


def word_text(text: str, head: str = "", phrase: bool = False) -> str:
    """``text`` as one term: bare when it reads back as itself, else quoted."""
    if not phrase and _BARE.match(text) and text not in OPERATORS:
        return f"{head}{text}"
    return f'{head}"{text}"'


def term_text(term: Term) -> str:
    """A term as text: ``field:word``, ``field:"phrase"`` or ``field:word*``."""
    text = units_text(term.units)
    head = f"{term.field}:" if term.field else ""
    if term.prefix and _BARE.match(text):
        return f"{head}{text}*"
    return word_text(text, head)


def to_text(node: Node) -> str:
    """``node`` as query text; AND binds tighter than OR, so OR groups inside AND get brackets."""
    if isinstance(node, MatchAll):
        return ""
    if isinstance(node, Term):
        return term_text(node)
    if isinstance(node, YearRange):
        if node.low == node.high and node.low is not None:
            return f"year:{node.low}"
        return f"year:{node.low or ''}..{node.high or ''}"
    if isinstance(node, Not):
        inner = to_text(node.part)
        return f"NOT ({inner})" if isinstance(node.part, And | Or) else f"NOT {inner}"
    if isinstance(node, And):
        return " ".join(f"({to_text(p)})" if isinstance(p, Or) else to_text(p) for p in node.parts)
    return " OR ".join(f"({to_text(p)})" if isinstance(p, And) else to_text(p) for p in node.parts)
