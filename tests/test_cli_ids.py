"""Item 5h for the command line: an id too large for the catalog (>= 2**63) is a usage error
in Chinese and English, never a database overflow with a traceback."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.audit.review import PAGE_SIZE, AuditFilter
from archive.catalog.models import LARGEST_ID
from cli.main import main
from cli.params import CATALOG_ID
from tests.test_cli import _all_commands

HUGE = "99999999999999999999"


def _id_parameters() -> list[tuple[tuple[str, ...], click.Parameter]]:
    """Every (command path, parameter) whose parameter names a catalog row by id."""
    found = []
    for path in _all_commands(main):
        command: click.Command = main
        ctx = click.Context(main)
        for name in path:
            assert isinstance(command, click.Group)
            sub = command.get_command(ctx, name)
            assert sub is not None
            command = sub
        for param in command.params:
            if param.name and (param.name.endswith("_id") or param.name.endswith("_ids")):
                found.append((path, param))
    return found


ID_PARAMETERS = _id_parameters()


def test_every_id_parameter_takes_only_catalog_ids() -> None:
    assert len(ID_PARAMETERS) >= 18
    for path, param in ID_PARAMETERS:
        assert param.type is CATALOG_ID, (path, param.name)


@pytest.mark.parametrize("path", [path for path, _param in ID_PARAMETERS], ids=" ".join)
def test_a_huge_id_is_a_clear_usage_error(path: tuple[str, ...], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*path, HUGE], env={"LANTAI_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"编号 {HUGE} 无效" in result.output and f"from 1 to {LARGEST_ID}" in result.output


def test_ids_in_range_still_reach_the_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["records", "show", str(LARGEST_ID)], env={"LANTAI_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 66 and f"No record {LARGEST_ID}" in result.output


def test_audit_export_filtered_by_a_huge_id_finds_nothing(tmp_path: Path) -> None:
    output = tmp_path / "events.jsonl"
    for option in ("--record", "--user"):
        result = CliRunner().invoke(main, ["audit", "export", "-o", str(output), option, HUGE],
                                    env={"LANTAI_DATA_DIR": str(tmp_path / "data")})
        assert result.exit_code == 0, result.output
        assert "0 events written" in result.output


def test_the_audit_filter_ignores_numbers_no_row_can_have() -> None:
    for raw in (HUGE, "²", "0"):
        filt = AuditFilter.from_args({"before": raw, "limit": raw})
        assert filt.before is None and filt.limit == PAGE_SIZE, raw


@pytest.mark.parametrize("args", [
    ("records", "list", "--limit", HUGE),
    ("describe", "export", "--fonds", "J001", "-o", "out.xlsx", "--year", HUGE),
    ("lifecycle", "due", "--year", HUGE),
    ("collect", "stats", "--year", HUGE),
    ("collect", "task", "--department", "办公室", "--title", "t", "--due", "2026-12-31", "--expected", HUGE),
], ids=lambda args: " ".join(args[:2]))
def test_a_huge_year_or_count_is_a_clear_usage_error(args: tuple[str, ...], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, list(args), env={"LANTAI_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"{HUGE} 无效" in result.output and f"{HUGE} is not valid" in result.output


def test_years_and_counts_in_range_still_work(tmp_path: Path) -> None:
    env = {"LANTAI_DATA_DIR": str(tmp_path)}
    assert CliRunner().invoke(main, ["records", "list", "--limit", "2"], env=env).exit_code == 0
    assert CliRunner().invoke(main, ["collect", "stats", "--year", "2023"], env=env).exit_code == 0
