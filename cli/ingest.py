"""Command-line commands of the indexer: schema, ingest, records, worker and inbox."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import func, select

from archive.audit import service as audit
from archive.audit.service import Target
from archive.catalog.models import Job, Record, is_catalog_id
from archive.departments import Directory
from archive.description.records import edit_record
from archive.resources import RECORD_FIELDS, record_json
from archive.storage import iter_files
from archive.vocabulary import AccessLevel, AuditAction, JobStatus, RecordStatus
from cli.main import LOG_FORMAT, pass_lantai
from cli.operator import CLI
from cli.operator import editor as operator_editor
from cli.params import CATALOG_ID, COUNT
from config.errors import ExitCode, InputError, NotFoundError, message_halves
from indexer.context import Lantai
from indexer.ingest import Submission, new_batch, submit_file
from indexer.manifest import read_manifest
from indexer.metadata import metadata_problems

if TYPE_CHECKING:
    from config.settings import Settings
    from indexer.inline import InlinePool


@click.group("db")
def db() -> None:
    """The catalog database."""


@db.command("upgrade")
@pass_lantai
def db_upgrade(lantai: Lantai) -> None:
    """Apply the catalog migrations (also done at every start)."""
    click.echo(f"Catalog is up to date: {lantai.catalog.engine.url.render_as_string(hide_password=True)}")


def _plan(paths: tuple[Path, ...], manifest: Path | None) -> list[tuple[Path, dict[str, str]]]:
    if manifest is not None:
        rows = read_manifest(manifest)
        return [(row.path, row.values) for row in rows]
    return [(path, {}) for path in iter_files([Path(p) for p in paths])]


def _row_problems(lantai: Lantai, manifest: Path, batch_values: dict[str, str]) -> None:
    """Print each manifest row's unusable values (unknown 机构, 门类, 保管期限 ...), naming the row.

    The row's file is still taken in, flagged for review with the same problems on its record."""
    with lantai.catalog.session() as session:
        directory = Directory.load(session)
        for row in read_manifest(manifest):
            for problem in metadata_problems(session, {**batch_values, **row.values}, directory):
                zh, en = message_halves(problem)
                click.echo(f"  ! 清单第 {row.line} 行（{row.path.name}）：{zh} / "
                           f"manifest row {row.line} ({row.path.name}): {en}", err=True)


def _summary(submissions: list[Submission], lantai: Lantai) -> int:
    """Print the summary; the number of failures."""
    failed: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    ids = [s.record_id for s in submissions if s.record_id is not None]
    with lantai.catalog.session() as session:
        states = dict(session.execute(select(Record.id, Record.status).where(Record.id.in_(ids))).all()) if ids else {}
        errors = (
            dict(session.execute(select(Record.id, Record.error_message).where(Record.id.in_(ids))).all())
            if ids
            else {}
        )
    for s in submissions:
        if s.outcome == "duplicate":
            counts["duplicate"] += 1
        elif s.outcome == "failed" or (s.record_id is not None and states.get(s.record_id) == "failed"):
            counts["failed"] += 1
            failed.append((s.filename, s.error or str(errors.get(s.record_id or 0) or "")))
        elif s.record_id is not None and states.get(s.record_id) == "done":
            counts["ingested"] += 1
        else:
            counts["queued"] += 1
    click.echo(
        f"\n入库 ingested: {counts['ingested']}  排队 queued: {counts['queued']}  "
        f"重复 duplicates: {counts['duplicate']}  失败 failed: {counts['failed']}"
    )
    for name, reason in failed:
        click.echo(f"  ✗ {name}: {reason}", err=True)
    return counts["failed"]


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or XLSX whose 'file' column names the files and whose other columns carry metadata.",
)
@click.option("--lang", "languages", help="OCR languages for this batch, e.g. chi_sim+eng or chi_tra.")
@click.option(
    "--ocr-engine", help="OCR engine for this batch: tesseract, rapidocr or auto (default: LANTAI_OCR_ENGINE).",
)
@click.option("--wait", is_flag=True, help="Wait for the background worker to finish every file.")
@click.option("--inline", is_flag=True, help="Process here, without a background worker (implies --wait).")
@click.option("--workers", type=int, default=None, help="Processes for --inline (default: the worker concurrency).")
@click.option(
    "--access", type=click.Choice(AccessLevel.values()), help="Access level of the new records."
)
@click.option("--fonds", help="全宗号 of the batch, e.g. J001 (a manifest column wins).")
@click.option("--category", help="门类 of the batch: a code (WS, KJ, RS, JJ, ...) or its name (文书, ...).")
@click.option("--retention", help="保管期限 of the batch: Y, D30, D10 (or 永久, 定期30年, 定期10年).")
@click.option("--department", help="机构（问题） of the batch.")
@pass_lantai
def ingest(
    lantai: Lantai,
    paths: tuple[Path, ...],
    manifest: Path | None,
    languages: str | None,
    ocr_engine: str | None,
    wait: bool,
    inline: bool,
    workers: int | None,
    access: str | None,
    fonds: str | None,
    category: str | None,
    retention: str | None,
    department: str | None,
) -> None:
    """Ingest files and folders (recursively); files already ingested are skipped.

    Batch options (--access, --fonds, --category, --retention, --department) describe every file
    whose manifest row does not say otherwise; with a fonds, category and retention the records
    get their 档号 as soon as their year is known."""
    if not paths and manifest is None:
        raise click.UsageError("Give files or folders to ingest, or --manifest FILE.")
    from config.errors import LantaiError
    from indexer.extract.ocrpages import check_ocr_engine

    check_ocr_engine(lantai.settings.ocr_engine)
    if ocr_engine:
        try:
            check_ocr_engine(ocr_engine)
        except LantaiError as exc:
            raise click.BadParameter(exc.message, param_hint="--ocr-engine") from exc
    plan = _plan(paths, manifest)
    batch_options = {"access": access, "fonds": fonds, "category": category, "retention": retention,
                     "department": department}
    options = {k: v for k, v in batch_options.items() if v}
    with ExitStack() as stack:
        pool = None
        if inline:
            from indexer.inline import InlinePool

            lantai.catalog.engine.dispose()  # no open catalog connection is carried into pool processes
            pool = stack.enter_context(InlinePool(workers or lantai.settings.worker_concurrency))
        submissions = _submit(lantai, paths, manifest, plan, (languages, ocr_engine), pool, options)
        jobs = [s.job_id for s in submissions if s.job_id and s.outcome in ("queued", "requeued")]
        if pool is not None:
            _run_inline(pool, len(jobs))
        elif wait:
            _wait(lantai, jobs)
    failures = _summary(submissions, lantai)
    if manifest is not None:
        _row_problems(lantai, manifest, options)
    raise SystemExit(ExitCode.FAILED if failures else ExitCode.OK)


def _submit(
    lantai: Lantai,
    paths: tuple[Path, ...],
    manifest: Path | None,
    plan: list[tuple[Path, dict[str, str]]],
    ocr: tuple[str | None, str | None],
    pool: InlinePool | None,
    batch_values: dict[str, str],
) -> list[Submission]:
    """Store and queue each planned file (with a progress bar); one submission per file.

    With a ``pool`` (--inline) each queued file is handed to it at once, and indexed when it
    has been processed; otherwise a worker is sent the job and the record is indexed now."""
    batch_id = new_batch(lantai, "cli", label=" ".join(str(p) for p in paths) or str(manifest))
    submissions: list[Submission] = []
    with click.progressbar(
        plan, label="提交文件 files", show_pos=True, item_show_func=lambda p: p[0].name if p else ""
    ) as bar:
        for path, values in bar:
            values = {**batch_values, **values}
            if not path.is_file():
                submissions.append(Submission(path.name, "failed", error=f"文件不存在 / file not found: {path}"))
                continue
            submission = submit_file(
                lantai,
                path,
                metadata=values,
                batch_id=batch_id,
                languages=ocr[0],
                ocr_engine=ocr[1],
                dispatch=pool is None,
                index=pool is None,
                actor=CLI,
            )
            submissions.append(submission)
            if pool is not None and submission.job_id and submission.outcome in ("queued", "requeued"):
                pool.add(submission.job_id)
    return submissions


def _run_inline(pool: InlinePool, jobs: int) -> None:
    with click.progressbar(length=max(1, jobs), label="处理文件 processing", show_pos=True) as bar:

        def done(children: int) -> None:
            bar.length = (bar.length or 0) + children
            bar.update(1)

        pool.run(on_done=done)


def _wait(lantai: Lantai, jobs: list[str]) -> None:
    """Poll the catalog until every job (and the jobs of ZIP children) has finished."""
    with click.progressbar(length=max(1, len(jobs)), label="等待处理 processing", show_pos=True) as bar:
        finished = 0
        while True:
            with lantai.catalog.session() as session:
                rows = session.execute(
                    select(Job.status, Job.pages_done, Job.pages_total).where(Job.id.in_(jobs))
                ).all()
            done = sum(1 for r in rows if r.status in (JobStatus.DONE, JobStatus.FAILED))
            pages = sum(r.pages_done or 0 for r in rows)
            bar.label = f"等待处理 processing ({pages} pages)"
            bar.update(done - finished)
            finished = done
            if done >= len(jobs):
                return
            time.sleep(0.5)


@click.group("records")
def records() -> None:
    """Inspect catalogued records."""


def _readable(record: Record) -> bool:
    """The operator reads what an administrator may read: every record but the secret ones."""
    return record.access_level != AccessLevel.SECRET


@records.command("list")
@click.option("--status", type=click.Choice(list(RecordStatus.values())))
@click.option("--limit", type=COUNT, default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's record shape).")
@pass_lantai
def records_list(lantai: Lantai, status: str | None, limit: int, as_json: bool) -> None:
    """List records: id, status, page count, original file name, error."""
    with lantai.catalog.session() as session:
        query = select(Record).order_by(Record.id).limit(limit)
        if status:
            query = query.where(Record.status == status)
        rows = [record_json(r, readable=False) for r in session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        name = (r["original"] or {}).get("filename") or r["title"] or ""
        error = (r["error"] or {}).get("message")
        click.echo(f"{r['id']:>6}  {r['status']:<10} {r['page_count']:>4}p  {name}" + (f"  ✗ {error}" if error else ""))


@records.command("show")
@click.argument("record_id", type=CATALOG_ID)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's record shape, with page text).")
@pass_lantai
def records_show(lantai: Lantai, record_id: int, as_json: bool) -> None:
    """Show one record with each page's text, source and confidence (a secret record: its entry only)."""
    with lantai.catalog.session() as session:
        record = session.get(Record, record_id) if is_catalog_id(record_id) else None
        if record is None:
            raise NotFoundError(f"No record {record_id}", f"没有编号为 {record_id} 的档案")
        readable = _readable(record)
        data = record_json(record, readable=readable, with_text=True)
        audit.record(
            session, AuditAction.RECORD_VIEW, CLI, Target.record(record), {"readable": readable, "via": "cli"}
        )
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in ("id", "status", "page_count", "access_level"):
        click.echo(f"{key}: {data[key]}")
    if data["original"]:
        click.echo(f"original: {data['original']['filename']} ({data['original']['mime_type']})")
    if data["error"]:
        click.echo(f"error: {data['error']['message']}")
    for key in RECORD_FIELDS:
        if key not in ("status", "page_count", "access_level") and data[key] not in (None, ""):
            click.echo(f"{key}: {data[key]}")
    if not readable:
        click.echo("（涉密档案：只显示目录信息 / secret record: catalogue entry only）")
    for page in data["pages"]:
        click.echo(f"--- page {page['number']} ({page['source']}, confidence {page['confidence']})")
        click.echo(page["text"])


@records.command("set")
@click.argument("record_id", type=CATALOG_ID)
@click.argument("assignments", nargs=-1, required=True)
@click.option("--user", help="Name the changes and their audit events are recorded under (default cli).")
@pass_lantai
def records_set(lantai: Lantai, record_id: int, assignments: tuple[str, ...], user: str | None) -> None:
    """Change a record's description: FIELD=VALUE ..., e.g. classification=秘密 openness=控制.

    The same service as the portal's form: the access level follows 密级 and 开放标识, every change
    is an audit event and the index follows. FIELD= (empty) clears a field.
    """
    changes: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"{item!r} is not FIELD=VALUE", f"{item!r} 不是“字段=值”的形式")
        changes[name.strip()] = value
    with lantai.catalog.session() as session:
        done = edit_record(session, record_id, changes, operator_editor(user), settings=lantai.settings, via="cli")
        found = session.get(Record, record_id)
        level = found.access_level if found is not None else ""
    for change in done:
        click.echo(f"{change.field}: {change.old or '—'} → {change.new or '—'}")
    click.echo(f"已修改 {len(done)} 项 / {len(done)} changes; 访问级别 access level: {level}")


@click.command("worker")
@click.option("--concurrency", type=int, help="Worker processes (default LANTAI_WORKER_CONCURRENCY).")
@pass_lantai
def worker(lantai: Lantai, concurrency: int | None) -> None:
    """Start a background worker: documents, periodic tasks, and the watched inbox when LANTAI_INBOX_DIR is set."""
    from indexer.extract.ocrpages import check_ocr_engine

    check_ocr_engine(lantai.settings.ocr_engine)
    from indexer import housekeeping
    from indexer.jobs import QUEUE, configure_celery

    # One single-threaded Tesseract per page: parallelism comes from processes, not OpenMP.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    app = configure_celery(lantai.settings)
    # The reaper, the scheduler and the inbox run in a process of their own: no thread of
    # this process may hold a lock when Celery forks a pool process (indexer/housekeeping.py).
    keeper = housekeeping.start(lantai.settings, prepare=_housekeeping_setup)
    lantai.catalog.engine.dispose()  # pool processes must not share the parent's connections
    signal.signal(signal.SIGINT, signal.default_int_handler)
    argv = [
        "worker",
        f"--loglevel={lantai.settings.log_level}",
        f"--queues={QUEUE}",
        f"--concurrency={concurrency or lantai.settings.worker_concurrency}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname=lantai-{os.getpid()}@%h",
    ]
    try:
        app.worker_main(argv)
    finally:
        housekeeping.stop(keeper)


def _housekeeping_setup(settings: Settings) -> None:
    """First thing in the housekeeping process: the worker's log format and periodic tasks."""
    from cli.schedule import register_all

    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    register_all()


@click.command("inbox")
@click.option("--once", is_flag=True, help="Scan the inbox once and exit (for scripts and tests).")
@pass_lantai
def inbox(lantai: Lantai, once: bool) -> None:
    """Watch LANTAI_INBOX_DIR and ingest the files dropped there."""
    from config.settings import SettingsError
    from indexer.inbox import InboxWatcher

    if lantai.settings.inbox_dir is None:
        raise SettingsError(
            "Set LANTAI_INBOX_DIR to the folder to watch.", "请设置 LANTAI_INBOX_DIR 为要监视的文件夹。"
        )
    watcher = InboxWatcher(lantai, lantai.settings.inbox_dir)
    while True:
        for path in watcher.scan():
            click.echo(f"taken: {path}")
        if once and not watcher.pending:
            return
        time.sleep(1.0)


@click.command("jobs")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_lantai
def jobs(lantai: Lantai, as_json: bool) -> None:
    """Count jobs by status."""
    with lantai.catalog.session() as session:
        counts = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    click.echo(json.dumps(counts) if as_json else "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


commands: list[click.Command] = [db, ingest, records, worker, inbox, jobs]
