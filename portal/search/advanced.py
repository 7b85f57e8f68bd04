"""The advanced search form: it writes the query language the search box reads, and back.

Fields: all words, exact phrase, any of these words, none of these words, one box per
searchable field (``indexer.search.query.TEXT_FIELDS``) and a year range; the date range, facet
filters and sort stay URL parameters as on the search page. A query the form cannot show (say,
nested groups) is left in the box, with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from config.errors import InputError
from indexer.search.query import TEXT_FIELDS, Token, parse, tokens
from indexer.search.query_text import word_text
from portal.search.params import period_bound

bp = Blueprint("advanced", __name__, url_prefix="/search/advanced")

FIELD_LABELS = {
    "title": "题名",
    "creator": "责任者",
    "doc_number": "文号",
    "department": "机构(问题)",
    "category": "门类",
    "fonds": "全宗",
    "reference_code": "档号",
    "year": "年度",
}
CARRIED = ("sort", "f", "limit")  # search parameters the form passes through unchanged


@dataclass
class Advanced:
    """The boxes of the form."""

    all_words: str = ""
    phrase: str = ""
    any_words: str = ""
    none_words: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    year_from: str = ""
    year_to: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Advanced:
        """The boxes as submitted."""
        return cls(
            all_words=args.get("all", "").strip(),
            phrase=args.get("phrase", "").strip(),
            any_words=args.get("any", "").strip(),
            none_words=args.get("none", "").strip(),
            fields={n: args.get(n, "").strip() for n in TEXT_FIELDS if args.get(n, "").strip()},
            year_from=args.get("year_from", "").strip(),
            year_to=args.get("year_to", "").strip(),
        )

    def to_query(self) -> str:
        """The query-language text of these boxes (checked by parsing it)."""
        parts = [self.all_words] if self.all_words else []
        if self.phrase:
            parts.append(word_text(self.phrase.replace('"', " "), phrase=True))
        words = self.any_words.split()
        if len(words) == 1:
            parts.append(words[0])
        elif words:
            parts.append("(" + " OR ".join(words) + ")")
        parts += [f"-{w.lstrip('-')}" for w in self.none_words.split() if w.lstrip("-")]
        parts += [word_text(v.replace('"', " "), f"{n}:") for n, v in self.fields.items()]
        if self.year_from or self.year_to:
            same = self.year_from == self.year_to
            parts.append(f"year:{self.year_from}" if same else f"year:{self.year_from}..{self.year_to}")
        text = " ".join(parts)
        parse(text)  # a box that breaks the syntax (an unbalanced quote ...) gives its message now
        return text


def from_query(text: str) -> Advanced | None:
    """The boxes that write ``text``, or None when the form cannot show it (nested groups ...)."""
    parse(text)  # a malformed query gives its message
    toks = tokens(text)
    form = Advanced()
    words: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "and":
            pass
        elif tok.kind == "phrase" and tok.field is None and not form.phrase:
            form.phrase = tok.text
        elif tok.kind in ("word", "phrase") and tok.field is None:
            words.append(word_text(tok.text, phrase=tok.kind == "phrase") + ("*" if tok.prefix else ""))
        elif tok.field == "year" and not (form.year_from or form.year_to):
            low, dots, high = tok.text.partition("..")
            form.year_from, form.year_to = low, (high if dots else low)
        elif tok.kind in ("word", "phrase") and tok.field and tok.field not in form.fields and not tok.prefix:
            form.fields[tok.field] = tok.text
        elif tok.kind in ("minus", "not") and i + 1 < len(toks) and _free(toks[i + 1]):
            i += 1
            form.none_words = " ".join(filter(None, [form.none_words, toks[i].text]))
        elif tok.kind == "lparen" and not form.any_words:
            group, i = _or_group(toks, i + 1)
            if group is None:
                return None
            form.any_words = " ".join(group)
        else:
            return None
        i += 1
    form.all_words = " ".join(words)
    return form


def _free(tok: Token) -> bool:
    """A free single word (what the any and none boxes hold)."""
    return tok.kind == "word" and tok.field is None and not tok.prefix


def _or_group(toks: list[Token], i: int) -> tuple[list[str] | None, int]:
    """Words of ``(a OR b OR c)`` starting after the bracket, and the index of its ``)``."""
    words: list[str] = []
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "rparen" and len(words) > 1:
            return words, i
        if len(words) == 0 or toks[i - 1].kind == "or":
            if not _free(tok):
                return None, i
            words.append(tok.text)
        elif tok.kind != "or":
            return None, i
        i += 1
    return None, i


@bp.get("")
def form() -> Response | tuple[str, int]:
    """Show the form (filled from ``q``), or, when submitted, go to the search it writes."""
    carried = [(k, v) for k in CARRIED for v in request.args.getlist(k) if v]
    dates = [(k, request.args.get(k, "").strip()) for k in ("from", "to")]
    error: str | None = None
    boxes: Advanced | None = Advanced()
    query = request.args.get("q", "").strip()
    if "build" in request.args:
        boxes = Advanced.from_args(request.args)
        try:
            for name, value in dates:
                period_bound(value, name, end=name == "to")  # a bad date gives its message here
            return redirect(url_for("search.search") + "?" + _encode([("q", boxes.to_query()), *dates, *carried]))
        except InputError as exc:
            error = exc.message
    else:
        try:
            boxes = from_query(query)
        except InputError as exc:
            error, boxes = exc.message, None
    return (
        render_template(
            "search/advanced.html",
            boxes=boxes or Advanced(),
            complex_query=query if boxes is None else "",
            error=error,
            carried=carried,
            dates=dict(dates),
            text_fields=TEXT_FIELDS,
            field_labels=FIELD_LABELS,
        ),
        400 if error else 200,
    )


def _encode(pairs: list[tuple[str, str]]) -> str:
    return urlencode([(k, v) for k, v in pairs if v])
