"""Dates as people type them into forms, manifests, imports and the command line: one parser.

Accepted: a date object; ISO ``2023-05-12``; ``2023/5/12``, ``2023.5.12``; ``2023年5月12日``;
``20230512``; full-width digits and spaces are folded first. Dates found in a document's text
(OCR'd, in Chinese numerals) are a different matter: ``indexer.describe.extract``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from config.errors import InputError

_SEPARATED = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


class BadDate(InputError):
    """A value that is not a date in any accepted form."""

    code = "bad_date"
    default_zh = "日期无效"
    default_en = "Not a valid date"


def parse_date(value: Any) -> dt.date:
    """The date ``value`` names (see the module docstring); ``BadDate`` in both languages otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _SEPARATED.fullmatch(text) or _COMPACT.fullmatch(text)
    if match is not None:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise BadDate(f"{text!r} is not a date; write 2023-05-12", f"{text!r} 不是有效日期；请写作 2023-05-12")


def parse_date_or_none(value: Any) -> dt.date | None:
    """``parse_date``, or None for a value that is not a date (metadata that is only kept)."""
    try:
        return parse_date(value)
    except BadDate:
        return None
