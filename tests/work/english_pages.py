"""Render every HTML page of the portal in English and find Chinese text that is not record data.

Record data (titles, 档号, page text, names typed by people) may be Chinese in any language;
the interface around it may not. What counts as record data: the values of the sample records
(passed in), page text (``<pre>``, ``<textarea>``), and anything marked ``lang="zh…"``
(the language switch's 中文, the brand 兰台).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
SKIPPED_ENDPOINTS = ("static", "api.", "collection_api.", "i18n.", "audit.static")
SKIPPED_SUFFIXES = (".csv", ".xlsx", ".json", ".txt", ".pdf", "/image", "/thumbnail", "/text", "/download")


def page_urls(app: Flask, values: dict[str, Any]) -> Iterator[str]:
    """Every GET route of the HTML portal, its arguments filled from ``values`` (routes needing others are skipped)."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.startswith(SKIPPED_ENDPOINTS):
            continue
        if not all(arg in values for arg in rule.arguments):
            continue
        url = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)
        if url is None:
            continue
        path = url[1]
        if not path.endswith(SKIPPED_SUFFIXES) or (path.endswith("/pages/1/text") and "/work/" in path):
            yield path


def foreign_text(html: str, data: Iterable[str]) -> list[str]:
    """Chinese runs of the page outside record data."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "pre", "textarea"]):
        tag.decompose()
    for tag in soup.find_all(lang=re.compile(r"^zh")):
        tag.decompose()
    text = soup.get_text(" ")
    for attr in ("title", "alt", "placeholder", "aria-label"):
        text += " " + " ".join(str(t.get(attr)) for t in soup.find_all(None, attrs={attr: True}))
    text += " " + " ".join(str(t.get("value")) for t in soup.find_all("input", type=["submit", "button"]))
    for value in sorted(data, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return CJK.findall(text)
