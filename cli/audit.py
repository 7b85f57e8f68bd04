"""``lantai audit``: verify the chain, keep signed checkpoints, export the log for archiving."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from archive.audit import service as audit_service
from archive.audit.checkpoint import (
    CheckpointError,
    generate_key,
    key_path,
    load_key,
    make_checkpoint,
    public_key_text,
    read_checkpoint,
    write_checkpoint,
)
from archive.audit.export import register_rows, write_csv, write_jsonl, write_xlsx
from archive.audit.review import AuditFilter, iter_events, record_titles
from archive.audit.service import Target
from archive.audit.verify import verify_chain
from archive.vocabulary import AuditAction
from cli.main import pass_lantai
from cli.operator import CLI
from config.errors import ExitCode
from indexer.context import Lantai


@click.group("audit")
def audit() -> None:
    """The audit trail (审计日志): verify, checkpoint, export."""


@audit.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A checkpoint file from `lantai audit checkpoint`; the chain must still contain its head.")
@click.option("--public-key", "public_key", metavar="KEY",
              help="The audit key's public half (base64, as `lantai audit keygen` prints it), kept apart from the "
                   "server; needed with --checkpoint when the signing key file is not on this machine.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_lantai
def verify(lantai: Lantai, checkpoint_file: Path | None, public_key: str | None, as_json: bool) -> None:
    """Walk the whole chain; exit 1 and name the first broken event if it does not hold."""
    checkpoint = None
    if checkpoint_file is not None:
        path = key_path(lantai.settings)
        expected = public_key or (public_key_text(load_key(path)) if path.exists() else None)
        if expected is None:
            raise CheckpointError(
                "A checkpoint is checked against the audit key, never against the key it carries itself: "
                f"give --public-key, or make the signing key file ({path}) available",
                "检查点只能用另行保存的审计公钥验证，不能信任检查点自带的公钥：请提供 --public-key，"
                f"或提供签名密钥文件（{path}）",
            )
        checkpoint = read_checkpoint(checkpoint_file, expected_public_key=expected)
    result = verify_chain(lantai.catalog.engine, checkpoint=(checkpoint.seq, checkpoint.hash) if checkpoint else None)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    elif result.ok:
        click.echo(f"审计链完整 / Audit chain intact: {result.events} events, "
                   f"head {result.head_seq} {result.head_hash}")
        if checkpoint:
            click.echo(f"检查点有效 / Checkpoint holds: event {checkpoint.seq} signed {checkpoint.time}")
    else:
        click.echo(f"审计链在第 {result.broken_seq} 号事件处断裂 / "
                   f"Audit chain broken at event {result.broken_seq}", err=True)
        click.echo(f"{result.reason_zh} / {result.reason_en}", err=True)
    if not result.ok:
        sys.exit(ExitCode.FAILED)


@audit.command("keygen")
@click.option("--force", is_flag=True, help="Replace an existing key (old checkpoints carry their own public key).")
@pass_lantai
def keygen(lantai: Lantai, force: bool) -> None:
    """Create the Ed25519 key that signs checkpoints (LANTAI_AUDIT_KEY_FILE)."""
    path = key_path(lantai.settings)
    key = generate_key(path, overwrite=force)
    click.echo(f"Signing key written to {path} (mode 0600); public key {public_key_text(key)}")


@audit.command("checkpoint")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the checkpoint (keep it outside the server).")
@pass_lantai
def checkpoint(lantai: Lantai, output: Path) -> None:
    """Sign the current chain head and write it to a file; creates the key on first use."""
    path = key_path(lantai.settings)
    if not path.exists():
        generate_key(path)
        click.echo(f"No signing key yet: created {path}", err=True)
    key = load_key(path)
    result = verify_chain(lantai.catalog.engine)
    if not result.ok:
        click.echo(f"Refusing to sign a broken chain: {result.reason_zh} / {result.reason_en}", err=True)
        sys.exit(ExitCode.FAILED)
    signed = make_checkpoint(key, result.head_seq, result.head_hash)
    write_checkpoint(signed, output)
    with lantai.catalog.session() as session:
        audit_service.record(session, AuditAction.AUDIT_CHECKPOINT, CLI, Target("audit_chain", signed.seq),
                             {"seq": signed.seq, "hash": signed.hash, "file": output.name})
    click.echo(f"Checkpoint of event {signed.seq} ({signed.hash}) written to {output}")


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "jsonl"]), default="jsonl", show_default=True,
              help="jsonl: every field with hashes (for archiving); csv/xlsx: the use register (利用登记).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC), inclusive.")
@click.option("--user", default="", help="User id or username.")
@click.option("--record", default="", help="Record id or 档号.")
@click.option("--action", default="", type=click.Choice(["", *[a.value for a in AuditAction]]))
@pass_lantai
def export(lantai: Lantai, fmt: str, output: Path, date_from: dt.datetime | None, date_to: dt.datetime | None,
           user: str, record: str, action: str) -> None:
    """Export events (oldest first); events are never removed from the database."""
    filt = AuditFilter(user=user, record=record, action=action,
                       date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None)
    with lantai.catalog.session() as session:
        events = iter_events(session, filt)
        if fmt == "jsonl":
            with output.open("w", encoding="utf-8") as handle:
                count = write_jsonl(events, handle)
        else:
            rows = register_rows(events, lambda ids: record_titles(session, ids))
            if fmt == "csv":
                with output.open("w", encoding="utf-8", newline="") as handle:
                    count = write_csv(rows, handle)
            else:
                count = write_xlsx(rows, output)
    with lantai.catalog.session() as session:
        audit_service.record(session, AuditAction.AUDIT_EXPORT, CLI, Target("audit_log"),
                             {"format": fmt, "rows": count, "file": output.name, **filt.query_args()})
    click.echo(f"{count} events written to {output}")


commands: list[click.Command] = [audit]
