"""Commands ``lantai backup create|verify|restore`` and ``lantai fixity``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.audit.service import CLI
from archive.catalog.preservation import FixityRun
from archive.encryption import MasterKey
from cli.main import pass_lantai
from config.errors import ExitCode, InputError
from indexer.context import Lantai
from preservation.backup import create_backup
from preservation.fixity import free_space, never_checked, recent_runs, run_check, select_ids
from preservation.keys import rotate
from preservation.manifest import read_manifest
from preservation.restore import restore_backup
from preservation.verify import Check, verify_backup

FOLDER = click.Path(file_okay=False, path_type=Path)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _print_checks(checks: list[Check]) -> bool:
    for check in checks:
        click.echo(check.line)
    return all(check.ok for check in checks)


@click.group("backup")
def backup() -> None:
    """Backups (备份): create one, verify one, restore one onto an empty data dir and catalog."""


@backup.command("create")
@click.argument("dest", type=FOLDER)
@click.option("--with-derivatives", is_flag=True, help="Also copy derivatives (page images, text).")
@pass_lantai
def create(lantai: Lantai, dest: Path, with_derivatives: bool) -> None:
    """Back up the catalog, originals, audit public key and checkpoint into DEST (incremental, resumable)."""
    with click.progressbar(length=0, label="备份 / Backing up", file=sys.stderr) as bar:
        def total(size: int) -> None:
            bar.length = size

        report = create_backup(lantai, dest, with_derivatives=with_derivatives, actor=CLI, progress=bar.update,
                               on_total=total)
    m = report.manifest
    rate = report.bytes_copied / 1e6 / report.seconds if report.seconds else 0.0
    click.echo(
        f"备份完成 / Backup complete: {m.counts['records']} records, {m.counts['original_files']} originals "
        f"({report.copied} copied, {report.present} already there), {_mb(report.bytes_copied)} copied "
        f"in {report.seconds:.1f} s ({rate:.1f} MB/s); backup holds {_mb(m.bytes)}"
    )
    if report.problems:
        for problem in report.problems:
            click.echo(f"未能备份 / not backed up: {problem}", err=True)
        sys.exit(ExitCode.FAILED)


@backup.command("verify")
@click.argument("src", type=FOLDER)
def verify(src: Path) -> None:
    """Check a backup without restoring it: every file's SHA-256, the catalog, the audit chain, the checkpoint."""
    manifest = read_manifest(src)
    with click.progressbar(length=manifest.bytes, label="校验 / Verifying", file=sys.stderr) as bar:
        report = verify_backup(src, progress=bar.update)
    if not _print_checks(report.checks):
        click.echo("备份有误 / The backup is damaged", err=True)
        sys.exit(ExitCode.FAILED)
    click.echo(f"备份完好 / The backup is sound ({manifest.created_at})")


@backup.command("restore")
@click.argument("src", type=FOLDER)
@pass_lantai
def restore(lantai: Lantai, src: Path) -> None:
    """Restore SRC onto the empty data dir and catalog configured, rebuild the index, and verify the result."""
    manifest = read_manifest(src)
    with click.progressbar(length=manifest.bytes, label="恢复 / Restoring", file=sys.stderr) as bar:
        report = restore_backup(lantai, src, actor=CLI, progress=bar.update)
    ok = _print_checks(report.checks)
    rate = report.bytes / 1e6 / report.seconds if report.seconds else 0.0
    click.echo(f"{_mb(report.bytes)} restored in {report.seconds:.1f} s ({rate:.1f} MB/s)")
    if not ok:
        click.echo("恢复后校验未通过 / The restored archive does not verify", err=True)
        sys.exit(ExitCode.FAILED)
    click.echo("恢复完成并已校验 / Restore complete and verified")


@click.group("fixity")
def fixity() -> None:
    """Fixity checks (固定性检查): re-hash stored originals against the catalog."""


@fixity.command("check")
@click.option("--sample", type=click.IntRange(min=1), help="Check N originals chosen at random.")
@click.option("--all", "check_all", is_flag=True, help="Check every original.")
@pass_lantai
def fixity_check(lantai: Lantai, sample: int | None, check_all: bool) -> None:
    """Re-hash originals (--all or --sample N); every failure is named with its record and audited."""
    if bool(sample) == check_all:
        raise InputError("Give exactly one of --all or --sample N", "请指定 --all 或 --sample N 之一")
    scope = "all" if check_all else "sample"
    total = len(select_ids(lantai, scope, sample=sample))
    with click.progressbar(length=total, label="检测 / Checking", file=sys.stderr) as bar:
        run = run_check(lantai, scope, actor=CLI, sample=sample, progress=bar.update)
    _print_run(run)
    for failure in run.failures:
        click.echo(f"  记录 / record {failure['record_id']} {failure['reference_code'] or ''} "
                   f"{failure['key']}: {failure['problem_zh']} / {failure['problem_en']}")
    if run.failed:
        sys.exit(ExitCode.FAILED)


def _print_run(run: FixityRun) -> None:
    rate = run.bytes / 1e6 / run.seconds if run.seconds else 0.0
    click.echo(f"#{run.id} {run.started_at:%Y-%m-%d %H:%M} {run.scope}: checked {run.checked}, passed {run.passed}, "
               f"failed {run.failed}, {_mb(run.bytes)} in {run.seconds:.1f} s ({rate:.1f} MB/s)")


@fixity.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@pass_lantai
def fixity_runs(lantai: Lantai, limit: int) -> None:
    """The latest fixity runs with their figures, and how many originals were never checked."""
    for run in recent_runs(lantai, limit):
        _print_run(run)
    percent, low = free_space(lantai)
    click.echo(f"从未检测的原件 / never checked: {never_checked(lantai)}; "
               f"数据盘剩余 / data disk free: {percent:.1f}%{' (不足 / LOW)' if low else ''}")


@click.group("keys")
def keys() -> None:
    """The encryption-at-rest master key (LANTAI_ENCRYPTION_KEY_FILE): create one, rotate to a new one."""


@keys.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def keys_create(file: Path) -> None:
    """Write a new random master key to FILE (mode 0600); keep it off the data disk, and a copy apart."""
    key = MasterKey.create(file)
    click.echo(f"已生成密钥 / Key created: {file} (id {key.kid.hex()})")


@keys.command("rotate")
@click.argument("new_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_lantai
def keys_rotate(lantai: Lantai, new_file: Path) -> None:
    """Re-wrap every file's data key under the key in NEW_FILE (files are not re-encrypted); then point
    LANTAI_ENCRYPTION_KEY_FILE at NEW_FILE. Interrupted, run it again with the old key still set."""
    old = lantai.storage.key
    if old is None:
        raise InputError("LANTAI_ENCRYPTION_KEY_FILE is not set: there is no key to rotate",
                         "未设置 LANTAI_ENCRYPTION_KEY_FILE：没有可更换的密钥")
    new = MasterKey.load(new_file)
    changed = rotate(lantai, old, new, CLI)
    click.echo(f"已重新封装 {changed} 个文件的数据密钥 / Re-wrapped the data keys of {changed} files; "
               f"now set LANTAI_ENCRYPTION_KEY_FILE={new_file}")


commands: list[click.Command] = [backup, fixity, keys]
