"""The ``lantai`` command: one click group; each area contributes its commands.

Errors: every ``LantaiError`` is caught here, in one place, and turned into its message
(Chinese and English) on stderr and its exit status.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

# Lantai works in parallel by process (worker pool, one tesseract per page), so numpy's BLAS
# gets one thread per process. Set before anything imports numpy: its thread pool would
# also keep `lantai ingest --inline` from forking its pool processes (indexer/inline.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click

from config.errors import LantaiError

F = TypeVar("F", bound=Callable[..., Any])
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # every process of the command logs alike

# Each command, and the module whose ``commands`` list defines it. The module is imported
# when one of its commands is used (or listed by --help), so that `lantai ingest` does not
# load the portal, the audit exporter and the rest first (0.4 s of every start).
# tests/test_cli.py checks this table against the modules.
COMMANDS: dict[str, str] = {
    "db": "cli.ingest",
    "ingest": "cli.ingest",
    "records": "cli.ingest",
    "worker": "cli.ingest",
    "inbox": "cli.ingest",
    "jobs": "cli.ingest",
    "serve": "cli.serve",
    "audit": "cli.audit",
    "search": "cli.search",
    "reindex": "cli.search",
    "index": "cli.search",
    "users": "cli.users",
    "describe": "cli.describe",
    "requests": "cli.requests",
    "tasks": "cli.schedule",
    "collect": "cli.collect",
    "lifecycle": "cli.lifecycle",
    "backup": "cli.preservation",
    "fixity": "cli.preservation",
    "keys": "cli.preservation",
}


class LantaiGroup(click.Group):
    """A click group that loads its commands on use and maps ``LantaiError`` to its message
    and exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, in the table's order."""
        return list(dict.fromkeys([*COMMANDS, *self.commands]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module (and adding all of that module's commands) first."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(COMMANDS[cmd_name])
            for command in module.commands:
                self.add_command(command)
        return self.commands.get(cmd_name)

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
        logging.basicConfig(level=lantai.settings.log_level, format=LOG_FORMAT)
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
