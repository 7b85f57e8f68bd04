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
