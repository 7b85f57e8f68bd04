"""The query language: words, "phrases", AND / OR / NOT, -word, (groups), field:value,
year:2018..2020 and prefix word*.

A word is matched as the run of units it folds to (``analysis``), so an adjacency of
Chinese characters is a phrase with substring semantics. Terms side by side are ANDed.
Every malformed query raises ``QuerySyntaxError`` with a message in Chinese and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.search.analysis import is_word_unit, query_units
from indexer.search.base import QuerySyntaxError
from indexer.search.values import canonical

TEXT_FIELDS = ("title", "creator", "doc_number", "department", "category", "fonds", "reference_code")
FIELDS = (*TEXT_FIELDS, "year")
YEAR_MIN, YEAR_MAX = 1000, 9999
MAX_NESTING = 32  # levels of parentheses; no one types more, and each level costs stack in every backend


@dataclass(frozen=True)
class Term:
    """A word or phrase: its units must occur in a row (in ``field`` if given)."""

    units: tuple[str, ...]
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class YearRange:
    """``year:2018..2020`` (inclusive; either end may be open)."""

    low: int | None
    high: int | None


@dataclass(frozen=True)
class And:
    """Every part must match."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one part must match."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The part must not match."""

    part: Node


@dataclass(frozen=True)
class MatchAll:
    """The empty query: every visible record."""


Node = Term | YearRange | And | Or | Not | MatchAll


@dataclass
class _Tok:
    kind: str  # word, phrase, lparen, rparen, and, or, not, minus
    text: str
    pos: int
    field: str | None = None
    prefix: bool = False


_FIELD_RE = re.compile(r"([a-z_]+):", re.IGNORECASE)


def _error(en: str, zh: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"Query error: {en}", f"检索式错误：{zh}")


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "(（":
            toks.append(_Tok("lparen", c, i))
            i += 1
            continue
        if c in ")）":
            toks.append(_Tok("rparen", c, i))
            i += 1
            continue
        if (
            c == "-"
            and i + 1 < n
            and not text[i + 1].isspace()
            and (not toks or toks[-1].kind != "word" or text[i - 1].isspace())
        ):
            toks.append(_Tok("minus", c, i))
            i += 1
            continue
        fld = None
        m = _FIELD_RE.match(text, i)
        if m and m.group(1).lower() in FIELDS:
            fld = m.group(1).lower()
            i = m.end()
            if i >= n or text[i].isspace() or text[i] in ")）":
                raise _error(
                    f"field {fld}: has no value (position {m.start() + 1})",
                    f"字段 {fld}: 后缺少检索值（第 {m.start() + 1} 个字符）",
                )
        start = i
        if i < n and text[i] in '"“”':
            close = _find_quote(text, i + 1)
            if close < 0:
                raise _error(f"unbalanced quote at position {i + 1}", f"第 {i + 1} 个字符处的引号未闭合")
            toks.append(_Tok("phrase", text[i + 1 : close], start, fld))
            i = close + 1
            continue
        depth = 0  # brackets opened inside a word (长教发(2023)12号) belong to it
        while i < n and not text[i].isspace() and text[i] not in '"“”':
            if text[i] in "(（":
                if i == start:
                    break
                depth += 1
            elif text[i] in ")）":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        word = text[start:i]
        if fld is None and word in ("AND", "OR", "NOT"):
            toks.append(_Tok(word.lower(), word, start))
            continue
        if fld is None and word in ("&&", "||"):
            toks.append(_Tok("and" if word == "&&" else "or", word, start))
            continue
        prefix = word.endswith("*") and len(word.rstrip("*")) > 0
        toks.append(_Tok("word", word.rstrip("*") if prefix else word, start, fld, prefix))
    return toks


Token = _Tok  # a token of a query as typed: ``kind``, ``text``, ``field``, ``prefix``


def tokens(text: str) -> list[Token]:
    """The tokens of a query as typed (words, phrases, operators), for forms that show a query."""
    return _lex(text)


def _find_quote(text: str, start: int) -> int:
    for j in range(start, len(text)):
        if text[j] in '"“”':
            return j
    return -1


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node:
        if not self.toks:
            return MatchAll()
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise _error(
                f"unbalanced parenthesis: ')' at position {tok.pos + 1} has no '('",
                f"括号不匹配：第 {tok.pos + 1} 个字符处的“)”没有对应的“(”",
            )
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.i += 1
            if self.peek() is None or self.peek().kind in ("rparen", "or", "and"):  # type: ignore[union-attr]
                raise _error(
                    f"OR at position {tok.pos + 1} has nothing after it", f"第 {tok.pos + 1} 个字符处的 OR 后缺少检索词"
                )
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind in ("and", "or"):
            raise _error(
                f"{tok.text} at position {tok.pos + 1} has nothing before it",
                f"第 {tok.pos + 1} 个字符处的 {tok.text} 前缺少检索词",
            )
        parts = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind not in ("or", "rparen"):
            if tok.kind == "and":
                self.i += 1
                nxt = self.peek()
                if nxt is None or nxt.kind in ("rparen", "or", "and"):
                    raise _error(
                        f"AND at position {tok.pos + 1} has nothing after it",
                        f"第 {tok.pos + 1} 个字符处的 AND 后缺少检索词",
                    )
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        # A run of NOTs is counted, not recursed into (3,000 "-" signs are one loop): two cancel.
        negations = 0
        while (tok := self.peek()) is not None and tok.kind in ("not", "minus"):
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                raise _error(
                    f"{tok.text} at position {tok.pos + 1} has nothing after it",
                    f"第 {tok.pos + 1} 个字符处的 {tok.text} 后缺少检索词",
                )
            negations += 1
        node = self.primary()
        return Not(node) if negations % 2 else node

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:  # pragma: no cover - callers check
            raise _error("the query ends too early", "检索式不完整")
        self.i += 1
        if tok.kind == "lparen":
            nxt = self.peek()
            if nxt is None:
                raise _error(
                    f"unbalanced parenthesis: '(' at position {tok.pos + 1} is never closed",
                    f"括号不匹配：第 {tok.pos + 1} 个字符处的“(”没有闭合",
                )
            if nxt.kind == "rparen":
                raise _error(f"empty parentheses at position {tok.pos + 1}", f"第 {tok.pos + 1} 个字符处的括号内为空")
            if self.depth >= MAX_NESTING:
                raise _error(
                    f"parentheses nested more than {MAX_NESTING} deep (position {tok.pos + 1})",
                    f"括号嵌套超过 {MAX_NESTING} 层（第 {tok.pos + 1} 个字符处）",
                )
            self.depth += 1
            node = self.or_expr()
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise _error(
                    f"unbalanced parenthesis: '(' at position {tok.pos + 1} is never closed",
                    f"括号不匹配：第 {tok.pos + 1} 个字符处的“(”没有闭合",
                )
            self.i += 1
            return node
        if tok.kind == "rparen":
            raise _error(
                f"unbalanced parenthesis: ')' at position {tok.pos + 1} has no '('",
                f"括号不匹配：第 {tok.pos + 1} 个字符处的“)”没有对应的“(”",
            )
        if tok.kind in ("and", "or"):
            raise _error(
                f"{tok.text} at position {tok.pos + 1} has nothing before it",
                f"第 {tok.pos + 1} 个字符处的 {tok.text} 前缺少检索词",
            )
        if tok.field == "year":
            return _year(tok)
        text = canonical(tok.field, tok.text) if tok.field else tok.text
        found = tuple(query_units(text))
        if not found:
            # Only spaces or marks that fold to nothing: match nothing rather than everything.
            return Term((), tok.field)
        return Term(found, tok.field, tok.prefix and tok.kind == "word")


_YEAR_RE = re.compile(r"^(\d{4})?(?:\.\.(\d{4})?)?$")


def _year(tok: _Tok) -> Node:
    text = tok.text.strip()
    m = _YEAR_RE.match(text)
    if not m or not text or text == "..":
        raise _error(
            f"bad year '{text}': use year:2020 or a range year:2018..2020",
            f"年度“{text}”无效：请使用 year:2020 或范围 year:2018..2020",
        )
    if ".." not in text:
        year = int(text)
        return YearRange(year, year)
    low = int(m.group(1)) if m.group(1) else None
    high = int(m.group(2)) if m.group(2) else None
    if low is not None and high is not None and low > high:
        raise _error(
            f"bad year range {text}: the first year is after the second",
            f"年度范围 {text} 无效：起始年度晚于结束年度",
        )
    return YearRange(low, high)


def parse(text: str) -> Node:
    """Parse a query into its tree; raise ``QuerySyntaxError`` when it is malformed."""
    return _Parser(_lex(text)).parse()


def positive_terms(node: Node) -> list[Term]:
    """The terms that make a record match (not under NOT), for snippets and highlighting."""
    out: list[Term] = []
    if isinstance(node, Term):
        if node.units:
            out.append(node)
    elif isinstance(node, And | Or):
        for part in node.parts:
            out.extend(positive_terms(part))
    return out


def units_text(units: tuple[str, ...] | list[str]) -> str:
    """Folded text that tokenises back to ``units`` (word marks dropped, words spaced)."""
    out: list[str] = []
    prev_word = False
    for unit in units:
        word = is_word_unit(unit)
        if word and prev_word:
            out.append(" ")
        out.append(unit[:-1] if word else unit)
        prev_word = word
    return "".join(out)


def term_string(term: Term) -> str:
    """A term as the normalised string handed to viewers (``*`` ends a prefix)."""
    return units_text(term.units) + ("*" if term.prefix else "")


@dataclass
class Compiled:
    """A parsed query with its highlight terms."""

    tree: Node
    terms: list[Term] = field(default_factory=list)


def compile_query(text: str) -> Compiled:
    """Parse and collect the highlight terms."""
    tree = parse(text)
    return Compiled(tree, positive_terms(tree))
