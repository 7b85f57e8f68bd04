"""ZIP archives: every entry expanded safely into the work folder, each to become its own record.

An archive is refused as a whole, with an error naming the entry, when it tries to write
outside the work folder (absolute paths, ``..``), holds symbolic links or encrypted entries,
has too many entries, or expands beyond ``ctx.zip_max_total_bytes`` (counted while writing,
whatever the headers declare). ZIPs inside the ZIP are expanded in place, up to
``MAX_NESTING`` levels, against the same running limits.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, ClassVar

from indexer.extract.base import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    ExtractContext,
    Extraction,
    ExtractionError,
    ResourceLimitExceeded,
)
from indexer.extract.limits import DecompressionBudget

# ZIP inside ZIP inside ZIP: deeper nesting is what zip bombs like 42.zip are made of.
MAX_NESTING = 3
_COPY_CHUNK = 1024 * 1024
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass
class _Expansion:
    """Running totals shared by an archive and the archives inside it."""

    ctx: ExtractContext
    budget: DecompressionBudget
    entries: int = 0
    children: list[Path] = field(default_factory=list)


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its maker meant it: Chinese Windows tools write GBK without a flag."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def safe_relative_path(name: str, archive: str) -> PurePosixPath:
    """The entry's path inside the work folder, or ``CorruptFile`` for a zip-slip attempt."""
    unified = name.replace("\\", "/")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if unified.startswith("/") or _DRIVE.match(unified) or "\x00" in unified:
        raise CorruptFile(
            f"The archive {archive} has an entry with an absolute path, “{name}”; "
            "it was refused so nothing is written outside the work folder",
            f"压缩包 {archive} 中的条目 “{name}” 使用绝对路径，已拒绝，以免写到工作目录之外",
            entry=name,
        )
    if ".." in parts:
        raise CorruptFile(
            f"The archive {archive} has an entry that climbs out of its folder, “{name}” "
            "(zip slip); it was refused",
            f"压缩包 {archive} 中的条目 “{name}” 试图跳出解压目录（zip slip），已拒绝",
            entry=name,
        )
    if not parts:
        raise CorruptFile(
            f"The archive {archive} has an entry without a name",
            f"压缩包 {archive} 中有一个没有名称的条目",
            entry=name,
        )
    return PurePosixPath(*parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    """Whether a Unix-made entry is a symbolic link (mode bits in the high external attrs)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def _is_zip(path: Path) -> bool:
    """Whether an expanded file is itself a ZIP archive to expand.

    Named ``.zip`` and ZIP inside: DOCX, XLSX, ODT and OFD are ZIPs too but are documents.
    """
    if path.suffix.lower() != ".zip":
        return False
    with path.open("rb") as handle:
        return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


class ArchiveExtractor:
    """ZIP: its entries become children for the pipeline; the archive itself has no pages."""

    name: ClassVar[str] = "zip"
    mime_types: ClassVar[frozenset[str]] = frozenset(
        {"application/zip", "application/x-zip-compressed"}
    )

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Expand the whole archive now (refusing it at the first hostile entry)."""
        if ctx.workdir is None:
            raise ExtractionError(
                "No work folder was given to expand the archive into",
                "未提供用于解压压缩包的工作目录",
            )
        if path.stat().st_size == 0:
            raise EmptyFile(f"The archive {path.name} is empty", f"压缩包 {path.name} 为空")
        root = ctx.workdir / f"{path.stem}.contents"
        root.mkdir(parents=True, exist_ok=True)
        state = _Expansion(
            ctx=ctx,
            budget=DecompressionBudget(ctx.zip_max_total_bytes, f"the archive {path.name}",
                                       f"压缩包 {path.name} "),
        )
        self._expand(path, path.name, root, state, depth=1)
        ctx.progress(0, 0)
        return Extraction(
            page_count=0,
            pages=iter(()),
            metadata={"entries": state.entries, "expanded_bytes": state.budget.used},
            children=state.children,
        )

    def _expand(
        self, path: Path, label: str, root: Path, state: _Expansion, depth: int
    ) -> None:
        """Expand one archive into ``root``; nested archives are expanded in their place."""
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise CorruptFile(
                f"The archive {label} is corrupt or truncated ({exc})",
                f"压缩包 {label} 已损坏或被截断",
            ) from exc
        with archive:
            infos = archive.infolist()
            self._check_declared(infos, label, state)
            for info in infos:
                name = entry_name(info)
                relative = safe_relative_path(name, label)
                if _is_symlink(info):
                    raise CorruptFile(
                        f"The archive {label} holds a symbolic link, “{name}”; it was refused",
                        f"压缩包 {label} 中的条目 “{name}” 是符号链接，已拒绝",
                        entry=name,
                    )
                if info.is_dir():
                    (root / relative).mkdir(parents=True, exist_ok=True)
                    continue
                target = self._write(archive, info, name, label, root / relative, state)
                if _is_zip(target):
                    self._nested(target, f"{label}/{name}", state, depth)
                else:
                    state.children.append(target)

    def _check_declared(
        self, infos: list[zipfile.ZipInfo], label: str, state: _Expansion
    ) -> None:
        """Refuse before writing anything when the headers already exceed the limits."""
        ctx = state.ctx
        state.entries += len(infos)
        if state.entries > ctx.zip_max_entries:
            raise ResourceLimitExceeded(
                f"The archive {label} holds {state.entries} entries, more than the limit of "
                f"{ctx.zip_max_entries}",
                f"压缩包 {label} 共有 {state.entries} 个条目，超过上限 {ctx.zip_max_entries}",
            )
        declared = sum(info.file_size for info in infos)
        if state.budget.used + declared > ctx.zip_max_total_bytes:
            raise ResourceLimitExceeded(
                f"The archive {label} declares {declared} bytes uncompressed, more than the "
                f"limit of {ctx.zip_max_total_bytes}",
                f"压缩包 {label} 声明解压后为 {declared} 字节，超过上限 {ctx.zip_max_total_bytes}",
            )

    def _write(
        self,
        archive: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        name: str,
        label: str,
        target: Path,
        state: _Expansion,
    ) -> Path:
        """Stream one entry to ``target``, counting every byte against the running budget."""
        ctx = state.ctx
        if info.flag_bits & _ENCRYPTED_FLAG and not ctx.password:
            raise EncryptedFile(
                f"The entry “{name}” in the archive {label} is encrypted; supply the password",
                f"压缩包 {label} 中的条目 “{name}” 已加密，请提供密码",
                entry=name,
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # two entries with one name (e.g. after GBK decoding): keep both
            target = target.with_name(f"{target.stem}.{state.entries}{target.suffix}")
        password = ctx.password.encode("utf-8") if ctx.password else None
        try:
            with archive.open(info, pwd=password) as source, target.open("xb") as out:
                for chunk in _chunks(source):
                    state.budget.add(len(chunk), f"{label}/{name}")
                    out.write(chunk)
        except ResourceLimitExceeded:
            target.unlink(missing_ok=True)
            raise
        except RuntimeError as exc:  # zipfile's "Bad password" / "password required"
            target.unlink(missing_ok=True)
            raise EncryptedFile(
                f"The entry “{name}” in the archive {label} cannot be decrypted ({exc})",
                f"压缩包 {label} 中的条目 “{name}” 无法解密",
                entry=name,
            ) from exc
        except NotImplementedError as exc:
            target.unlink(missing_ok=True)
            raise CorruptFile(
                f"The entry “{name}” in the archive {label} uses an unsupported "
                f"compression method ({exc})",
                f"压缩包 {label} 中的条目 “{name}” 使用了不支持的压缩方式",
                entry=name,
            ) from exc
        except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError: a damaged entry
            target.unlink(missing_ok=True)
            raise CorruptFile(
                f"The entry “{name}” in the archive {label} is corrupt ({exc})",
                f"压缩包 {label} 中的条目 “{name}” 已损坏",
                entry=name,
            ) from exc
        return target

    def _nested(self, target: Path, label: str, state: _Expansion, depth: int) -> None:
        """Expand a ZIP found inside the archive in place of the file itself."""
        if depth >= MAX_NESTING:
            raise ResourceLimitExceeded(
                f"The archive {label} is nested more than {MAX_NESTING} ZIPs deep",
                f"压缩包 {label} 嵌套超过 {MAX_NESTING} 层",
                entry=label,
            )
        folder = target.with_name(f"{target.name}.contents")
        folder.mkdir(parents=True, exist_ok=True)
        self._expand(target, label, folder, state, depth + 1)
        target.unlink()


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    """The entry's bytes in bounded pieces."""
    while True:
        chunk = source.read(_COPY_CHUNK)
        if not chunk:
            return
        yield chunk
