"""Coded facet values named by their label or alias: ``category:基建`` is ``category:JJ``.

The vocabulary (``archive.vocabulary``: 门类, 保管期限, access levels) says which spellings name
which code; search filters and field terms of the query language both read values through here,
so the box, the advanced form, the URL, the API and the command line agree.
"""

from __future__ import annotations

from archive.vocabulary import CATEGORIES, AccessLevel, Retention, Term, UnknownTerm

CODED: dict[str, type[Term]] = {"retention": Retention, "access_level": AccessLevel}


def canonical(name: str, value: str) -> str:
    """The stored code ``value`` names for facet or field ``name``; other values as given.

    An unknown spelling stays as typed (it then simply matches nothing).
    """
    try:
        if name == "category":
            return CATEGORIES.parse(value).code
        vocabulary = CODED.get(name)
        if vocabulary is not None:
            return str(vocabulary.parse(value).value)
    except UnknownTerm:
        pass
    return value
