"""The lantai command: --help on every command, errors mapped to messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import COMMANDS, main


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_all_commands(command, (*prefix, name)))
    return out


def test_command_table_matches_the_modules() -> None:
    import importlib

    for module_name in set(COMMANDS.values()):
        module = importlib.import_module(module_name)
        defined = {command.name for command in module.commands}
        listed = {name for name, owner in COMMANDS.items() if owner == module_name}
        assert defined == listed, module_name


@pytest.mark.parametrize("path", _all_commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_bad_setting_stops_with_a_clear_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["records", "list"], env={"LANTAI_DATA_DIR": str(tmp_path), "LANTAI_WORKER_CONCURRENCY": "zero"}
    )
    assert result.exit_code == 78
    assert "LANTAI_WORKER_CONCURRENCY" in result.output and "a whole number" in result.output
