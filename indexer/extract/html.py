"""HTML pages: the visible text only (no script, style or comments), block elements as line
breaks, table cells tab-separated, Chinese joined without spaces; title and author from the head."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, Tag
from bs4.dammit import EncodingDetector

from archive.vocabulary import PageSource
from indexer.extract.base import ExtractContext, Extraction, PageContent
from indexer.extract.cjk import tidy
from indexer.extract.encoding import codec_for_label, decode_text
from indexer.extract.plaintext import read_bytes, split_pages

_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "svg",
                        "object", "iframe", "button", "select"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead",
    "tfoot", "tr", "ul", "html",
})
_CELLS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
# <meta name=...> values taken as document properties.
_META_FIELDS = {
    "author": "creator",
    "dc.creator": "creator",
    "description": "description",
    "keywords": "keywords",
    "date": "date",
    "dc.date": "date",
    "dcterms.created": "date",
    "pubdate": "date",
}


@dataclass
class HtmlText:
    """The visible text of an HTML document and what its head says about it."""

    text: str
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def decode_html(data: bytes) -> str:
    """HTML bytes as text: the declared charset (BOM or <meta>) if any, else our detection."""
    declared = EncodingDetector.find_declared_encoding(data[:4096], is_html=True)
    if declared:
        try:
            return data.decode(codec_for_label(declared), errors="replace")
        except LookupError:
            pass  # an unknown charset name: fall back to detection
    return decode_text(data).text


def html_to_text(markup: str | bytes) -> HtmlText:
    """Visible text, title and meta properties of an HTML document."""
    if isinstance(markup, bytes):
        markup = decode_html(markup)
    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    title = tidy(_WHITESPACE.sub(" ", title_tag.get_text())) if title_tag else None
    metadata: dict[str, Any] = {}
    for meta in soup.find_all("meta"):
        name = str(meta.get("name") or "").lower()
        content = str(meta.get("content") or "").strip()
        if name in _META_FIELDS and content and _META_FIELDS[name] not in metadata:
            metadata[_META_FIELDS[name]] = content
    pieces: list[str] = []
    _walk(soup, pieces, preformatted=False)
    return HtmlText(tidy("".join(pieces)), title or None, metadata)


def _walk(node: Tag, out: list[str], preformatted: bool) -> None:
    """Append the visible text below ``node`` to ``out`` with line breaks for blocks."""
    for child in node.children:
        if isinstance(child, (Comment, Declaration, Doctype)):
            continue
        if isinstance(child, NavigableString):
            if type(child) is NavigableString or child.__class__.__name__ == "CData":
                text = str(child)
                out.append(text if preformatted else _WHITESPACE.sub(" ", text))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _INVISIBLE or child.get("hidden") is not None:
            continue
        if name == "br":
            out.append("\n")
        elif name in _CELLS:
            _walk(child, out, preformatted)
            out.append("\t")
        elif name in _BLOCKS:
            out.append("\n")
            _walk(child, out, preformatted or name == "pre")
            out.append("\n")
        else:
            _walk(child, out, preformatted)


class HtmlExtractor:
    """HTML and XHTML files saved from web sites and office systems."""

    name: ClassVar[str] = "html"
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/html", "application/xhtml+xml"})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Read the visible text; a long page is split at line ends like plain text."""
        result = html_to_text(read_bytes(path))
        metadata = dict(result.metadata)
        if result.title:
            metadata["title"] = result.title
        texts = split_pages(result.text)
        return Extraction(len(texts), _pages(texts, ctx), metadata)


def _pages(texts: list[str], ctx: ExtractContext) -> Iterator[PageContent]:
    """Electronic pages numbered from 1."""
    for number, text in enumerate(texts, start=1):
        yield PageContent(number=number, text=text, source=PageSource.ELECTRONIC)
        ctx.progress(number, len(texts))
