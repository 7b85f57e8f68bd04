"""Commands ``lantai search``, ``lantai reindex`` and ``lantai index check``."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from archive.access import operator_clearance
from archive.audit import service as audit
from archive.audit.service import Target
from archive.vocabulary import AuditAction
from cli.main import pass_lantai
from cli.operator import CLI
from config.errors import ExitCode
from indexer.search.base import SORTS, SearchRequest
from indexer.search.documents import (
    catalog_revisions,
    count_records,
    index_records,
    iter_documents,
    remove_records,
)
from indexer.search.purge import clear_purge, pending_purge
from indexer.search.request import BadSearchRequest

if TYPE_CHECKING:
    from indexer.context import Lantai

_MARK = re.compile(r"<mark>(.*?)</mark>")


def _filters(values: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadSearchRequest(
                f"--filter {item!r} must look like FIELD=VALUE, e.g. category=WS.",
                f"--filter {item!r} 应为 字段=值 的形式，例如 category=WS。",
            )
        out.setdefault(name.strip(), []).append(value.strip())
    return out


def _terminal(snippet: str) -> str:
    return html.unescape(_MARK.sub(lambda m: click.style(m.group(1), bold=True, fg="red"), snippet))


@click.command("search")
@click.argument("query", nargs=-1)
@click.option(
    "--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="Facet filter, e.g. category=WS (repeatable)."
)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(0, 1000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@click.option("--date-from", type=click.DateTime(["%Y-%m-%d"]), help="Only records dated on or after this day.")
@click.option("--date-to", type=click.DateTime(["%Y-%m-%d"]), help="Only records dated on or before this day.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer (same shape as GET /api/v1/search).")
@pass_lantai
def search_command(
    lantai: Lantai,
    query: tuple[str, ...],
    filters: tuple[str, ...],
    sort: str,
    limit: int,
    offset: int,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    as_json: bool,
) -> None:
    """Search the index (检索), e.g. lantai search '档案 year:2018..2020' --filter category=WS."""
    request = SearchRequest(
        clearance=operator_clearance(),
        query=" ".join(query),
        filters=_filters(filters),
        sort=sort,
        limit=limit,
        offset=offset,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    response = lantai.search.search(request)
    with lantai.catalog.session() as session:
        details = {
            "query": request.query,
            "filters": [f"{name}:{value}" for name, values in request.filters.items() for value in values],
            "hits": response.total,
            "offset": offset,
            "shown": [hit.id for hit in response.hits],
            "via": "cli",
        }
        audit.record(session, AuditAction.SEARCH, CLI, Target("search"), details)
    if as_json:
        click.echo(json.dumps(response.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"共 {response.total} 条 / {response.total} records ({response.took_ms:.1f} ms)")
    for number, hit in enumerate(response.hits, start=offset + 1):
        ref = hit.fields.get("reference_code") or ""
        click.echo(f"{number:>4}. [{hit.id}] {hit.title or hit.filename} {ref}".rstrip())
        if hit.snippet:
            click.echo(f"      {_terminal(hit.snippet)}")
        if hit.pages:
            click.echo("      页 / pages: " + ", ".join(str(p.number) for p in hit.pages[:30]))


@click.command("reindex")
@click.option("--fresh", is_flag=True, help="Start over instead of resuming an interrupted rebuild.")
@pass_lantai
def reindex_command(lantai: Lantai, fresh: bool) -> None:
    """Rebuild the index from the catalog beside the live one, then swap (search keeps answering)."""
    backend: Any = lantai.search
    if fresh and hasattr(backend, "discard_rebuild"):
        backend.discard_rebuild()
    purging = pending_purge(lantai)
    if purging is not None and not fresh:  # a purge must cover every record, never resume a partial rebuild
        backend.discard_rebuild()
    after = backend.rebuild_checkpoint() or 0
    if after:
        click.echo(f"继续中断的重建，从记录 {after} 之后开始 / Resuming after record {after}")
    total = count_records(lantai, after)
    with click.progressbar(length=total, label="重建索引 / Reindexing", file=sys.stderr) as bar:
        count = backend.rebuild(iter_documents(lantai, after_id=after), progress=bar.update)
    report = reconcile(lantai)
    clear_purge(lantai, purging)
    click.echo(
        f"已索引 {count} 条；补正 {len(report.missing) + len(report.stale)} 条，移除 {len(report.extra)} 条 / "
        f"indexed {count}; caught up {len(report.missing) + len(report.stale)}, removed {len(report.extra)}"
    )


@dataclass
class IndexReport:
    """Differences between the catalog and the index."""

    missing: list[int] = field(default_factory=list)  # in the catalog, not in the index
    stale: list[int] = field(default_factory=list)  # indexed at an older revision
    extra: list[int] = field(default_factory=list)  # in the index, gone from the catalog

    @property
    def clean(self) -> bool:
        """Whether the index matches the catalog."""
        return not (self.missing or self.stale or self.extra)


def check_index(lantai: Lantai) -> IndexReport:
    """Compare the catalog's record revisions with the index's."""
    indexed = lantai.search.revisions()
    report = IndexReport()
    for record_id, revision in catalog_revisions(lantai):
        held = indexed.pop(record_id, None)
        if held is None:
            report.missing.append(record_id)
        elif held != revision:
            report.stale.append(record_id)
    report.extra = sorted(indexed)
    return report


def reconcile(lantai: Lantai) -> IndexReport:
    """Bring the index in step with the catalog (changes made during a rebuild, say)."""
    report = check_index(lantai)
    todo = report.missing + report.stale
    for start in range(0, len(todo), 500):
        index_records(lantai, todo[start : start + 500])
    remove_records(lantai, report.extra)
    return report


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:20])
    return shown + (f" … (+{len(ids) - 20})" if len(ids) > 20 else "")


@click.group("index")
def index_group() -> None:
    """Inspect the search index (检索索引)."""


@index_group.command("check")
@pass_lantai
def index_check_command(lantai: Lantai) -> None:
    """Report records missing from or stale in the index; exit status 1 when there are any."""
    report = check_index(lantai)
    purging = pending_purge(lantai)
    if purging is not None:
        click.echo(
            f"待清除 / purge pending: the index files may still hold the text of {len(purging)} records made "
            f"secret ({_ids(purging)}); the worker purges them, or run `lantai reindex`"
        )
    if report.clean and purging is None:
        click.echo("索引与目录一致 / The index matches the catalog.")
        return
    if report.missing:
        click.echo(f"缺失 / missing ({len(report.missing)}): {_ids(report.missing)}")
    if report.stale:
        click.echo(f"过期 / stale ({len(report.stale)}): {_ids(report.stale)}")
    if report.extra:
        click.echo(f"多余 / not in catalog ({len(report.extra)}): {_ids(report.extra)}")
    if not report.clean:
        click.echo("运行 `lantai reindex` 修复 / Run `lantai reindex` to fix.")
    sys.exit(ExitCode.FAILED)


commands: list[click.Command] = [search_command, reindex_command, index_group]
