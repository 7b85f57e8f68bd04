"""The ``lantai`` command: one click group; each area contributes its commands.

Errors: every ``LantaiError`` is caught here, in one place, and turned into its message
(Chinese and English) on stderr and its exit status.
"""

from __future__ import annotations

import functools
import importlib
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from config.errors import LantaiError

F = TypeVar("F", bound=Callable[..., Any])

# Modules whose ``commands`` list is added to the group, in this order.
COMMAND_MODULES = [
    "indexer.cli",
    "portal.serve",
    "portal.audit_cli",
    "indexer.search.cli",
    "portal.users_cli",
    "indexer.describe.cli",
    "portal.requests.cli",
]


class LantaiGroup(click.Group):
    """A click group that maps ``LantaiError`` to its message and exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LantaiError as exc:
            click.echo(f"错误 / Error: {exc.message}", err=True)
            sys.exit(exc.exit_code)


def pass_lantai(func: F) -> F:
    """Give a command the ``Lantai`` context as first argument, built on first use."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(open_lantai(click.get_current_context()), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def open_lantai(ctx: click.Context) -> Any:
    """The context object of this invocation: settings read, schema upgraded."""
    from indexer.context import Lantai, set_current

    root = ctx.find_root()
    if not isinstance(root.obj, Lantai):
        lantai = Lantai.from_environment()
        logging.basicConfig(level=lantai.settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl" on every command
        lantai.catalog.upgrade()
        set_current(lantai)
        root.obj = lantai
        root.call_on_close(lantai.close)
    return root.obj


@click.group(cls=LantaiGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="lantai")
def main() -> None:
    """Lantai (兰台): full-text search and retrieval for digitized archives.

    Settings come from LANTAI_* environment variables (see README.md).
    """


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.commands:
            main.add_command(command)


_register()
