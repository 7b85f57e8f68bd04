"""``lantai describe``: train the classifier, re-run description, import, export, template."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Target
from archive.catalog.models import Record
from archive.description.catalogue import export_catalogue
from archive.description.reference import run_in_transaction
from archive.description.schema import load_vocabulary
from archive.description.tabular import import_table, template_bytes
from archive.vocabulary import AuditAction, Retention
from cli.main import pass_lantai
from cli.operator import CLI, editor
from cli.params import CATALOG_ID, YEAR
from config.errors import ExitCode, InputError
from indexer.context import Lantai
from indexer.describe.classify import load_classifier, train_classifier
from indexer.describe.service import describe_record


@click.group("describe")
def describe() -> None:
    """Archival description (著录): 档号, extraction, classification, import and export."""


@describe.command("train")
@pass_lantai
def train(lantai: Lantai) -> None:
    """Retrain the category / department classifier on confirmed records."""
    with lantai.catalog.session() as session:
        classifier = train_classifier(session, lantai.settings)
    parts = [
        name for name, model in (("category", classifier.category), ("department", classifier.department)) if model
    ]
    click.echo(f"分类模型已训练 / classifier trained: {classifier.samples} records, models: {', '.join(parts)}")


VOCABULARY_OPTION = click.option(
    "--vocabulary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file of category codes and labels (default: WS 文书, KJ 会计, ...).",
)


@describe.command("apply")
@click.option("--all", "all_records", is_flag=True, help="Every record (default: only records flagged for review).")
@click.argument("record_ids", nargs=-1, type=CATALOG_ID)
@VOCABULARY_OPTION
@pass_lantai
def apply(lantai: Lantai, all_records: bool, record_ids: tuple[int, ...], vocabulary: Path | None) -> None:
    """Re-run description (extraction, rules, classifier, 档号) on records."""
    if all_records and record_ids:
        raise InputError("Give record ids or --all, not both", "请指定档案编号或 --all，不能同时使用")
    with lantai.catalog.session() as session:
        query = select(Record.id).order_by(Record.id)
        if record_ids:
            query = query.where(Record.id.in_(record_ids))
        elif not all_records:
            query = query.where(Record.needs_review.is_(True))
        ids = list(session.scalars(query))
    missing = sorted(set(record_ids) - set(ids))
    if missing:
        click.echo(f"未找到 / not found: {missing}", err=True)
    classifier = load_classifier(lantai.settings)
    vocab = load_vocabulary(vocabulary)
    filled = queued = numbered = 0
    for record_id in ids:

        def work(session: Session, record_id: int = record_id) -> tuple[int, int, bool]:
            record = session.get(Record, record_id)
            if record is None:  # deleted meanwhile
                return 0, 0, False
            outcome = describe_record(session, record, lantai.settings, classifier=classifier, vocabulary=vocab)
            for error in outcome.errors:
                click.echo(f"#{record_id}: {error}", err=True)
            return len(outcome.filled), len(outcome.queued), bool(outcome.reference_code)

        f, q, n = run_in_transaction(lantai.catalog, work)
        filled, queued, numbered = filled + f, queued + q, numbered + n
    click.echo(
        f"{len(ids)} 件档案已著录 / records described: {filled} fields filled, {queued} queued for review, "
        f"{numbered} with 档号"
    )
    if ids:
        click.echo("提示 / note: run `lantai reindex` (or let the worker) so search sees the changes")


@describe.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", help="Name the changes and their audit events are recorded under (default cli).")
@VOCABULARY_OPTION
@pass_lantai
def import_command(lantai: Lantai, file: Path, user: str | None, vocabulary: Path | None) -> None:
    """Import descriptions from a CSV or XLSX file (Chinese or English headers)."""
    with lantai.catalog.session() as session:
        result = import_table(session, file, lantai.settings, editor(user), load_vocabulary(vocabulary))
    for error in result.errors:
        click.echo(str(error), err=True)
    click.echo(
        f"导入完成 / imported: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.errors)} rows with errors"
    )
    if result.errors and not (result.created or result.updated):
        raise SystemExit(ExitCode.FAILED)


@describe.command("export")
@click.option("--fonds", required=True, help="全宗号, e.g. J001.")
@click.option("--year", type=YEAR, help="年度 (default: all years).")
@click.option("--retention", type=click.Choice(Retention.values(), case_sensitive=False), help="保管期限.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf"]), help="Default: from the file name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_lantai
def export(lantai: Lantai, fonds: str, year: int | None, retention: str | None, fmt: str | None, output: Path) -> None:
    """Export the 归档文件目录 (catalogue) as XLSX or PDF."""
    chosen = fmt or output.suffix.lower().lstrip(".")
    with lantai.catalog.session() as session:
        data = export_catalogue(session, fonds, year, retention, chosen)
        details = {"what": "catalogue", "fonds": fonds.upper(), "year": year, "retention": retention,
                   "format": chosen, "via": "cli"}
        audit.record(session, AuditAction.EXPORT, CLI, Target("catalogue"), details)
    output.write_bytes(data)
    click.echo(f"归档文件目录已导出 / catalogue written: {output}")


@describe.command("template")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write (.xlsx or .csv).",
)
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Header language.")
def template(output: Path, language: str) -> None:
    """Write an empty import template."""
    output.write_bytes(template_bytes(output.suffix.lower().lstrip(".") or "xlsx", language))
    click.echo(f"模板已生成 / template written: {output}")


commands: list[click.Command] = [describe]
