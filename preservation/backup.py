"""``lantai backup create``: one consistent backup of everything that cannot be rebuilt.

Order makes it consistent while the portal and workers run: the catalog is snapshotted first,
then exactly the originals that snapshot names are copied. Originals are written before the
record that names them is committed and never change, so every record of the snapshot finds its
original, and originals ingested later are simply not part of this backup. Originals are kept by
content address, so a second backup to the same folder (or a resumed one) copies only what it lacks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from archive.access import Clearance
from archive.audit import service as audit_service
from archive.audit.checkpoint import (
    generate_key,
    key_path,
    load_key,
    make_checkpoint,
    public_key_text,
    write_checkpoint,
)
from archive.audit.service import Actor, Target
from archive.catalog.models import OriginalFile, Record
from archive.storage import CHUNK
from archive.vocabulary import AccessLevel, AuditAction
from config.errors import LantaiError
from indexer.context import Lantai
from indexer.search.base import SearchRequest
from indexer.search.documents import index_records
from preservation import catalog_copy
from preservation.catalog_copy import BackupError
from preservation.manifest import INCOMPLETE, MANIFEST, FileEntry, Manifest, hash_file, write_manifest

CATALOG = "catalog.sqlite3"
PGDUMP = "catalog.pgdump"
CHECKPOINT = "audit/checkpoint.json"
PREVIOUS = "manifest.previous.json"
PUBLIC_KEY = "audit/public_key.txt"
SEARCHES = 5  # fixed searches kept in the manifest, besides "everything"

Progress = Callable[[int], None]


@dataclass
class BackupReport:
    """What a backup did: counts, bytes, originals copied and already there, seconds, problems."""

    folder: Path
    manifest: Manifest
    copied: int = 0
    present: int = 0
    bytes_copied: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def lantai_version() -> str:
    """The installed Lantai's version."""
    return version("lantai")


def copy_verified(source: Path, target: Path, sha256: str | None = None) -> FileEntry:
    """Copy through a ``.partial`` file while hashing; the target appears only when complete and right."""
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, partial.open("wb") as out:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if sha256 is not None and digest.hexdigest() != sha256:
        partial.unlink()
        raise BackupError(f"{source} does not match its SHA-256 {sha256}", f"{source} 与其 SHA-256 {sha256} 不符")
    partial.replace(target)
    return FileEntry(digest.hexdigest(), size)


def _snapshot_catalog(lantai: Lantai, folder: Path) -> None:
    catalog = lantai.catalog
    if catalog.dialect == "sqlite":
        database = make_url(catalog.url).database
        assert database is not None  # noqa: S101  (a SQLite catalog URL always names a file)
        catalog_copy.sqlite_snapshot(Path(database), folder / CATALOG)
        return
    partial = folder / (CATALOG + ".partial")
    partial.unlink(missing_ok=True)
    with catalog_copy.postgres_snapshot(catalog.engine) as (conn, snapshot):
        catalog_copy.pg_dump(catalog.url, snapshot, folder / PGDUMP)
        portable = catalog_copy.new_sqlite_catalog(partial)
        try:
            catalog_copy.copy_rows(conn, portable.engine)
        finally:
            portable.dispose()
    partial.replace(folder / CATALOG)


def _queries(titles: list[str]) -> list[str]:
    queries = [""]
    for title in titles:
        words = re.findall(r"\w+", title)
        if words and words[0][:8] not in queries:
            queries.append(words[0][:8])
    return queries[: SEARCHES + 1]


def _index_up_to(lantai: Lantai, revisions: dict[int, int]) -> None:
    """Index the snapshot's records the index does not hold at their snapshot revision yet.

    A record committed just before the snapshot may not be indexed yet (the index follows the
    catalog's commits); the fixed searches must see what a restore, which indexes the whole
    snapshot, will see.
    """
    indexed = lantai.search.revisions()
    behind = [record_id for record_id, revision in revisions.items() if indexed.get(record_id, -1) < revision]
    if behind:
        index_records(lantai, behind)


def fixed_searches(lantai: Lantai, queries: list[str], ids: set[int]) -> list[dict[str, object]]:
    """The records each query finds with every access level, limited to ``ids`` (a snapshot's records)."""
    clearance = Clearance(frozenset(level.value for level in AccessLevel))
    results: list[dict[str, object]] = []
    for query in queries:
        try:
            response = lantai.search.search(SearchRequest(clearance=clearance, query=query, limit=1000, facets=()))
        except LantaiError:  # a title word the query language reads differently: not a fixed search
            continue
        results.append({"query": query, "ids": sorted(hit.id for hit in response.hits if hit.id in ids)})
    return results


def create_backup(
    lantai: Lantai, folder: Path, *, with_derivatives: bool = False, actor: Actor, progress: Progress | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC), on_total: Progress | None = None,
) -> BackupReport:
    """Back the archive up into ``folder`` (new, or a previous backup to add to); see the module docstring."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INCOMPLETE).write_text(f"started {clock().isoformat()}\n", encoding="utf-8")
    if (folder / MANIFEST).exists():  # kept for the hashes of sealed originals already copied
        (folder / MANIFEST).replace(folder / PREVIOUS)
    _snapshot_catalog(lantai, folder)

    engine = catalog_copy.open_sqlite(folder / CATALOG)
    try:
        with engine.connect() as conn:
            originals = [(r[0], r[1], r[2]) for r in conn.execute(
                select(OriginalFile.sha256, OriginalFile.storage_key, OriginalFile.size))]
            titles = [t or "" for t in conn.scalars(select(Record.title).order_by(Record.id).limit(50))]
            revisions = {int(i): int(r or 0) for i, r in conn.execute(
                select(Record.id, Record.revision).where(Record.in_search()))}
            ids = set(conn.scalars(select(Record.id)))
            counted = catalog_copy.counts(conn)
            head_seq, head_hash = catalog_copy.audit_head(conn)
            schema = sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()

    _index_up_to(lantai, revisions)
    manifest = Manifest(
        created_at=clock().isoformat(), lantai_version=lantai_version(), schema=schema,
        dialect=lantai.catalog.dialect, counts=counted, audit_head={"seq": head_seq, "hash": head_hash},
        with_derivatives=with_derivatives, searches=fixed_searches(lantai, _queries(titles), ids),
    )
    report = BackupReport(folder, manifest)
    for name in (CATALOG, PGDUMP):
        if (folder / name).exists() and (name == CATALOG or lantai.catalog.dialect == "postgresql"):
            manifest.files[name] = hash_file(folder / name)
    _write_audit_files(lantai, folder, manifest, head_seq, head_hash)
    if on_total is not None:  # the bytes of originals to go through, known once the catalog is snapshotted
        on_total(sum(size for _sha, _key, size in originals))
    _copy_originals(lantai, folder, originals, report, previous_files(folder), progress)
    if with_derivatives:
        _copy_derivatives(lantai, folder, report, progress)
    report.seconds = time.perf_counter() - started
    manifest.problems = report.problems
    write_manifest(folder, manifest)
    with lantai.catalog.session() as session:
        audit_service.record(session, AuditAction.BACKUP, actor, Target("backup", str(folder)), {
            "folder": str(folder), "counts": counted, "bytes": manifest.bytes, "copied": report.copied,
            "bytes_copied": report.bytes_copied, "seconds": round(report.seconds, 2), "problems": report.problems,
        })
    return report


def _write_audit_files(lantai: Lantai, folder: Path, manifest: Manifest, seq: int, head_hash: str) -> None:
    path = key_path(lantai.settings)
    key = load_key(path) if path.exists() else generate_key(path)
    (folder / "audit").mkdir(exist_ok=True)
    (folder / PUBLIC_KEY).write_text(public_key_text(key) + "\n", encoding="ascii")
    write_checkpoint(make_checkpoint(key, seq, head_hash), folder / CHECKPOINT)
    for name in (PUBLIC_KEY, CHECKPOINT):
        manifest.files[name] = hash_file(folder / name)


def previous_files(folder: Path) -> dict[str, FileEntry]:
    """The file entries of the last complete backup in ``folder`` (none when there is none)."""
    try:
        data = json.loads((folder / PREVIOUS).read_text(encoding="utf-8"))
        return {name: FileEntry(**entry) for name, entry in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _present_entry(lantai: Lantai, key: str, target: Path, sha256: str, size: int,
                   previous: dict[str, FileEntry]) -> FileEntry | None:
    """The entry of an original the backup holds already, or None when it must be copied."""
    try:
        stored = lantai.storage.original_path(key).stat().st_size
    except (OSError, LantaiError):
        return None
    if not target.is_file() or target.stat().st_size != stored:
        return None
    if stored == size:  # stored in clear: content addressing makes name and bytes one (verify re-hashes)
        return FileEntry(sha256, size)
    known = previous.get(f"originals/{key}")  # stored sealed: its hash is of the sealed bytes
    return known if known is not None and known.size == stored else hash_file(target)


def _copy_originals(
    lantai: Lantai, folder: Path, originals: list[tuple[str, str, int]], report: BackupReport,
    previous: dict[str, FileEntry], progress: Progress | None,
) -> None:
    for sha256, key, size in originals:
        name = f"originals/{key}"
        target = folder / name
        present = _present_entry(lantai, key, target, sha256, size, previous)
        if present is not None:
            report.present += 1
            report.manifest.files[name] = present
        else:
            try:
                entry = copy_verified(lantai.storage.original_path(key), target)  # as stored (encrypted or not)
                if entry.sha256 != sha256 and lantai.storage.original_sha256(key) != sha256:
                    target.unlink()
                    raise BackupError(f"{key} does not match its SHA-256", f"{key} 与其 SHA-256 不符")
            except LantaiError as exc:  # a missing or changed original: named, the rest still backed up
                report.problems.append(f"{key}: {exc.message}")
                continue
            report.manifest.files[name] = entry
            report.copied += 1
            report.bytes_copied += entry.size
        if progress is not None:
            progress(size)


def _copy_derivatives(lantai: Lantai, folder: Path, report: BackupReport, progress: Progress | None) -> None:
    root = lantai.storage.derivatives
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")):
        name = "derivatives/" + path.relative_to(root).as_posix()
        target = folder / name
        stat = path.stat()
        if target.is_file() and target.stat().st_size == stat.st_size and target.stat().st_mtime >= stat.st_mtime:
            report.manifest.files[name] = hash_file(target)
        else:
            report.manifest.files[name] = copy_verified(path, target)
            shutil.copystat(path, target)
            report.bytes_copied += stat.st_size
        if progress is not None:
            progress(stat.st_size)
