"""Command-line parameter types shared by the commands."""

from __future__ import annotations

from typing import Any

import click

from archive.catalog.models import LARGEST_ID, is_catalog_id


class CatalogIdType(click.ParamType):
    """The id of a catalog row (record, batch, transfer, ...): a whole number from 1 to
    ``LARGEST_ID``, so a huge one is a usage error, not a database overflow."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """``value`` as an int, or a usage error in Chinese and English."""
        if isinstance(value, int) and not isinstance(value, bool) and is_catalog_id(value):
            return value
        text = str(value).strip()
        if text.isascii() and text.isdigit() and is_catalog_id(int(text)):
            return int(text)
        self.fail(
            f"编号 {text} 无效：应为 1 到 {LARGEST_ID} 之间的整数 / "
            f"the id {text} is not valid: it must be a whole number from 1 to {LARGEST_ID}",
            param, ctx,
        )


CATALOG_ID = CatalogIdType()


class BoundedIntType(click.ParamType):
    """A whole number within ``low``..``high`` (a year, a count), refused in Chinese and English
    outside them, so a huge one never reaches the database or the calendar."""

    name = "integer"

    def __init__(self, low: int, high: int, what_zh: str, what_en: str) -> None:
        self.low, self.high, self.what_zh, self.what_en = low, high, what_zh, what_en

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """``value`` as an int, or a usage error in Chinese and English."""
        if isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high:
            return value
        text = str(value).strip()
        digits = text[1:] if text.startswith("-") else text
        if digits.isascii() and digits.isdigit() and self.low <= int(text) <= self.high:
            return int(text)
        self.fail(
            f"{self.what_zh} {text} 无效：应为 {self.low} 到 {self.high} 之间的整数 / "
            f"the {self.what_en} {text} is not valid: it must be a whole number from {self.low} to {self.high}",
            param, ctx,
        )


YEAR = BoundedIntType(1, 9999, "年度", "year")
COUNT = BoundedIntType(1, LARGEST_ID, "数量", "number")
