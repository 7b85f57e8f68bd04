"""A backup's manifest: versions, counts, the audit head, and the SHA-256 of every file in it.

The manifest is written last and atomically; while a backup runs, ``INCOMPLETE`` marks its
folder, so an interrupted backup is never taken for a complete one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.storage import CHUNK
from preservation.catalog_copy import BackupError

FORMAT = "lantai-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
INCOMPLETE = "INCOMPLETE"


@dataclass
class FileEntry:
    """One file of the backup: its SHA-256 and size."""

    sha256: str
    size: int


@dataclass
class Manifest:
    """What a backup holds and what must hold after restoring it."""

    created_at: str
    lantai_version: str
    schema: list[str]
    dialect: str
    counts: dict[str, int]
    audit_head: dict[str, Any]
    with_derivatives: bool
    searches: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # originals that could not be backed up
    files: dict[str, FileEntry] = field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest file's text."""
        body = {"format": FORMAT, "version": FORMAT_VERSION, **asdict(self)}
        return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @property
    def bytes(self) -> int:
        """The size of every file in the backup."""
        return sum(entry.size for entry in self.files.values())


def hash_file(path: Path) -> FileEntry:
    """SHA-256 and size of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return FileEntry(digest.hexdigest(), size)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write the manifest atomically, then clear the INCOMPLETE mark: from here the backup is complete."""
    tmp = folder / (MANIFEST + ".partial")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(folder / MANIFEST)
    (folder / INCOMPLETE).unlink(missing_ok=True)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a complete backup; a clear error for a missing, partial or unreadable one."""
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a backup folder", f"{folder} 不是备份文件夹")
    if (folder / INCOMPLETE).exists():
        raise BackupError(
            f"The backup in {folder} is incomplete (interrupted); run `lantai backup create {folder}` again to resume",
            f"{folder} 中的备份不完整（曾被中断）；请再次运行 `lantai backup create {folder}` 以继续",
        )
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}; it is not a Lantai backup",
                          f"{folder} 中没有 {MANIFEST}，不是兰台备份")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise ValueError(f"format {data.get('format')} {data.get('version')}")
        files = {name: FileEntry(**entry) for name, entry in data["files"].items()}
        return Manifest(
            created_at=data["created_at"], lantai_version=data["lantai_version"], schema=list(data["schema"]),
            dialect=data["dialect"], counts=dict(data["counts"]), audit_head=dict(data["audit_head"]),
            with_derivatives=bool(data["with_derivatives"]), searches=list(data["searches"]),
            problems=list(data.get("problems", [])), files=files,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is damaged: {exc}", f"{path} 已损坏，字段缺失或格式不对") from exc
