"""``lantai backup verify``: check a backup without restoring it, naming every bad file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archive.audit.checkpoint import CheckpointError, read_checkpoint
from archive.audit.verify import verify_chain
from preservation import catalog_copy
from preservation.backup import CATALOG, CHECKPOINT, PGDUMP, PUBLIC_KEY
from preservation.manifest import Manifest, hash_file, read_manifest


@dataclass
class Check:
    """One verification step and its outcome (Chinese and English)."""

    name: str
    ok: bool
    detail_en: str = ""
    detail_zh: str = ""

    @property
    def line(self) -> str:
        """The check as one line of a report."""
        mark = "通过 / ok" if self.ok else "失败 / FAILED"
        detail = f": {self.detail_zh} / {self.detail_en}" if self.detail_en else ""
        return f"{self.name}: {mark}{detail}"


@dataclass
class VerifyReport:
    """Every check of a backup (or of a restore)."""

    manifest: Manifest
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(check.ok for check in self.checks)


def check_files(folder: Path, manifest: Manifest, progress: Callable[[int], None] | None = None) -> Check:
    """Every file the manifest lists is there with its size and SHA-256; the bad ones are named."""
    bad: list[str] = []
    for name, entry in sorted(manifest.files.items()):
        path = folder / name
        if not path.is_file():
            bad.append(f"{name} (missing / 缺失)")
        elif path.stat().st_size != entry.size:
            bad.append(f"{name} (truncated or grown / 大小不符)")
        elif hash_file(path).sha256 != entry.sha256:
            bad.append(f"{name} (SHA-256 differs / 哈希不符)")
        if progress is not None:
            progress(entry.size)
    if bad:
        listed = "; ".join(bad[:20]) + (f"; … {len(bad) - 20} more" if len(bad) > 20 else "")
        return Check("files", False, f"{len(bad)} bad files: {listed}", f"{len(bad)} 个文件有误：{listed}")
    return Check("files", True, f"{len(manifest.files)} files, SHA-256 match", f"{len(manifest.files)} 个文件哈希一致")


def check_checkpoint(folder: Path, head_seq: int, head_hash: str) -> Check:
    """The checkpoint's signature holds under the backup's public key, and names the chain head."""
    try:
        public = (folder / PUBLIC_KEY).read_text(encoding="ascii").strip()
        signed = read_checkpoint(folder / CHECKPOINT, expected_public_key=public)
    except (OSError, CheckpointError) as exc:
        zh = exc.message_zh if isinstance(exc, CheckpointError) else "检查点文件或公钥文件无法读取"
        return Check("checkpoint", False, str(exc), f"检查点无法验证：{zh}")
    if (signed.seq, signed.hash) != (head_seq, head_hash):
        return Check("checkpoint", False, f"checkpoint names event {signed.seq}, the chain head is {head_seq}",
                     f"检查点为第 {signed.seq} 号事件，链头为第 {head_seq} 号")
    return Check("checkpoint", True, f"signed head {signed.seq}", f"签名链头 {signed.seq}")


def check_catalog(folder: Path, manifest: Manifest) -> list[Check]:
    """The catalog file opens, is intact, has the manifest's counts, and its audit chain holds."""
    path = folder / CATALOG
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return [Check("catalog", False, f"{CATALOG} cannot be read: {exc}",
                      f"{CATALOG} 无法读取，不是完好的 SQLite 数据库")]
    if integrity != "ok":
        return [Check("catalog", False, f"{CATALOG}: {integrity}", f"{CATALOG} 已损坏：{integrity}")]
    engine = catalog_copy.open_sqlite(path)
    try:
        with engine.connect() as conn:
            found = catalog_copy.counts(conn)
        chain = verify_chain(engine, checkpoint=(manifest.audit_head["seq"], manifest.audit_head["hash"]))
    finally:
        engine.dispose()
    checks = [check_counts(found, manifest.counts)]
    checks.append(Check("audit chain", chain.ok, chain.reason_en or f"{chain.events} events",
                        chain.reason_zh or f"{chain.events} 个事件"))
    return checks


def check_counts(found: dict[str, int], expected: dict[str, int]) -> Check:
    """Row counts equal to the manifest's."""
    differ = {name: (found.get(name), count) for name, count in expected.items() if found.get(name) != count}
    if differ:
        listed = ", ".join(f"{name} {got} ≠ {want}" for name, (got, want) in differ.items())
        return Check("counts", False, listed, f"数量不符：{listed}")
    listed = ", ".join(f"{name} {count}" for name, count in expected.items())
    return Check("counts", True, listed, listed)


def verify_backup(folder: Path, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Every check of a backup folder: files and hashes, the catalog, the dump, the audit chain, the checkpoint."""
    manifest = read_manifest(folder)
    report = VerifyReport(manifest)
    report.checks.append(check_files(folder, manifest, progress))
    report.checks.extend(check_catalog(folder, manifest))
    if PGDUMP in manifest.files:
        complaint = catalog_copy.pg_dump_readable(folder / PGDUMP)
        report.checks.append(Check("pg_dump", complaint is None, complaint or "readable",
                                   f"{PGDUMP} 无法读取：{complaint}" if complaint else "可读"))
    report.checks.append(check_checkpoint(folder, manifest.audit_head["seq"], manifest.audit_head["hash"]))
    if manifest.problems:
        listed = "; ".join(manifest.problems)
        report.checks.append(Check("originals", False, f"not backed up: {listed}", f"未能备份：{listed}"))
    return report
