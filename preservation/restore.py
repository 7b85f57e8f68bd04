"""``lantai backup restore``: a backup onto an empty data dir and catalog, then proof that it is whole.

The backup's portable catalog (SQLite) is brought to this Lantai's schema in a scratch copy and
its rows copied into the configured catalog, SQLite or PostgreSQL alike; the originals are copied
back by content address and re-hashed; the index is rebuilt from the catalog. The restore ends
with the checks of ``verify`` on the result: every original's SHA-256, the counts, the audit chain
and the checkpoint, and the backup's fixed searches giving the same records.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from archive.audit import service as audit_service
from archive.audit.service import Actor, Target
from archive.audit.verify import verify_chain
from archive.catalog.db import Catalog
from archive.catalog.models import OriginalFile, Record
from archive.encryption import MAGIC, EncryptionKeyError, read_header
from archive.vocabulary import AuditAction
from config.errors import InputError, LantaiError
from indexer.context import Lantai
from indexer.search.documents import iter_documents
from preservation import catalog_copy
from preservation.backup import CATALOG, copy_verified, fixed_searches
from preservation.manifest import Manifest
from preservation.verify import Check, check_checkpoint, check_counts, verify_backup

Progress = Callable[[int], None]


@dataclass
class RestoreReport:
    """The restore's figures and its closing checks."""

    manifest: Manifest
    bytes: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every closing check passed."""
        return all(check.ok for check in self.checks)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def refuse_unless_empty(lantai: Lantai) -> None:
    """Refuse a data dir or catalog that already holds an archive (a restore never merges)."""
    storage = lantai.storage
    if _has_files(storage.originals) or _has_files(storage.derivatives):
        raise InputError(
            f"{lantai.settings.data_dir} already holds originals; restore only onto an empty data dir",
            f"{lantai.settings.data_dir} 中已有原件；只能恢复到空的数据目录",
        )
    with lantai.catalog.engine.connect() as conn:
        found = catalog_copy.counts(conn)
    if any(found[name] for name in ("records", "audit_events", "users")):
        raise InputError(
            "The catalog is not empty; restore only into an empty database",
            "目录数据库不为空；只能恢复到空的数据库",
        )


def refuse_without_key(lantai: Lantai, folder: Path, manifest: Manifest) -> None:
    """Refuse, before copying anything, a backup of sealed files that this Lantai's key cannot open."""
    for name in manifest.files:
        if not name.startswith(("originals/", "derivatives/")):
            continue
        with (folder / name).open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                continue
            handle.seek(0)
            kid, _wrapped, _prefix = read_header(handle)
        key = lantai.storage.key
        if key is None or kid != key.kid:
            raise EncryptionKeyError(
                f"The backup's files are encrypted under key {kid.hex()}; set LANTAI_ENCRYPTION_KEY_FILE to that key",
                f"备份中的文件以密钥 {kid.hex()} 加密；请将 LANTAI_ENCRYPTION_KEY_FILE 设为该密钥",
            )


def restore_backup(lantai: Lantai, folder: Path, *, actor: Actor, progress: Progress | None = None) -> RestoreReport:
    """Restore ``folder`` into ``lantai``'s data dir and catalog; the report's checks say whether it is whole."""
    started = time.perf_counter()
    refuse_unless_empty(lantai)
    verified = verify_backup(folder)
    if not verified.ok:
        failed = "; ".join(c.line for c in verified.checks if not c.ok)
        raise InputError(f"The backup does not verify, nothing restored: {failed}",
                         f"备份未通过校验，未做任何恢复：{failed}")
    manifest = verified.manifest
    refuse_without_key(lantai, folder, manifest)
    report = RestoreReport(manifest)
    report.rows = _restore_catalog(lantai, folder)
    for name, entry in sorted(manifest.files.items()):
        if name.startswith("originals/"):
            target = lantai.storage.originals / name.removeprefix("originals/")
            copy_verified(folder / name, target, entry.sha256)
            os.chmod(target, 0o444)
        elif name.startswith("derivatives/"):
            copy_verified(folder / name, lantai.storage.derivatives / name.removeprefix("derivatives/"))
        else:
            continue
        report.bytes += entry.size
        if progress is not None:
            progress(entry.size)
    lantai.search.rebuild(iter_documents(lantai))
    report.checks = closing_checks(lantai, folder, manifest)
    report.seconds = time.perf_counter() - started
    with lantai.catalog.session() as session:
        audit_service.record(session, AuditAction.RESTORE, actor, Target("backup", str(folder)), {
            "folder": str(folder), "counts": manifest.counts, "bytes": report.bytes,
            "seconds": round(report.seconds, 2), "checks": {c.name: c.ok for c in report.checks},
        })
    return report


def _restore_catalog(lantai: Lantai, folder: Path) -> dict[str, int]:
    with lantai.storage.temp_dir() as scratch:
        copy = Path(scratch) / CATALOG
        shutil.copyfile(folder / CATALOG, copy)
        source = Catalog(f"sqlite:///{copy}")
        try:
            source.upgrade()  # a backup of an older Lantai is brought to this one's schema first
            with source.engine.connect() as conn:
                return catalog_copy.copy_rows(conn, lantai.catalog.engine)
        finally:
            source.dispose()


def closing_checks(lantai: Lantai, folder: Path, manifest: Manifest) -> list[Check]:
    """Originals' SHA-256, counts, audit chain, checkpoint and fixed searches of a restored archive."""
    checks: list[Check] = []
    bad: list[str] = []
    with lantai.catalog.engine.connect() as conn:
        rows = list(conn.execute(select(OriginalFile.record_id, OriginalFile.storage_key, OriginalFile.sha256)))
        found = catalog_copy.counts(conn)
    for record_id, key, sha256 in rows:
        try:
            if lantai.storage.original_sha256(key) != sha256:
                bad.append(f"record {record_id} ({key})")
        except (OSError, LantaiError):
            bad.append(f"record {record_id} ({key})")
    checks.append(Check("originals", not bad, "; ".join(bad) or f"{len(rows)} originals, SHA-256 match",
                        "；".join(bad) or f"{len(rows)} 个原件哈希一致"))
    checks.append(check_counts(found, manifest.counts))
    head = manifest.audit_head
    chain = verify_chain(lantai.catalog.engine, checkpoint=(head["seq"], head["hash"]))
    checks.append(Check("audit chain", chain.ok and chain.head_seq == head["seq"],
                        chain.reason_en or f"{chain.events} events", chain.reason_zh or f"{chain.events} 个事件"))
    checks.append(check_checkpoint(folder, chain.head_seq, chain.head_hash))
    with lantai.catalog.engine.connect() as conn:
        ids = set(conn.scalars(select(Record.id)))
    queries = [str(s["query"]) for s in manifest.searches]
    now = fixed_searches(lantai, queries, ids)
    differ = [s["query"] for s, n in zip(manifest.searches, now, strict=False) if s != n]
    if len(now) != len(manifest.searches):
        differ.append("(count)")
    checks.append(Check("searches", not differ, f"differ: {differ}" if differ else f"{len(now)} searches equal",
                        f"检索结果不同：{differ}" if differ else f"{len(now)} 个检索结果一致"))
    return checks
