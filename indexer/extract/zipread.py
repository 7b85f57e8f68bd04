"""Bounded reading of ZIP-based containers (DOCX, XLSX, ODT, OFD): entry-count and size limits.

Office and OFD files are ZIP archives; a hostile one can declare a few entries that expand
to gigabytes. These helpers check the declared sizes before a library opens the file and
never read a member past its limit, whatever its header claims.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from indexer.extract.base import CorruptFile, ExtractContext, ResourceLimitExceeded

# One XML part of an office or OFD document is rarely above a few MB; 64 MB leaves room.
MAX_MEMBER_BYTES = 64 * 1024 * 1024


def open_zip(path: Path, kind_en: str, kind_zh: str) -> zipfile.ZipFile:
    """Open ``path`` as a ZIP container or raise ``CorruptFile`` naming the expected format."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(
            f"This {kind_en} file is corrupt or truncated (its ZIP structure is unreadable: {exc})",
            f"该{kind_zh}文件已损坏或被截断（ZIP 结构无法读取：{exc}）",
        ) from exc


def check_limits(zf: zipfile.ZipFile, ctx: ExtractContext) -> None:
    """Refuse a container with too many entries or too large a declared uncompressed size."""
    infos = zf.infolist()
    if len(infos) > ctx.zip_max_entries:
        raise ResourceLimitExceeded(
            f"The container has {len(infos)} entries, more than the limit of {ctx.zip_max_entries}",
            f"容器内有 {len(infos)} 个条目，超过上限 {ctx.zip_max_entries}",
        )
    total = sum(info.file_size for info in infos)
    if total > ctx.zip_max_total_bytes:
        raise ResourceLimitExceeded(
            f"The container expands to {total} bytes, more than the limit of "
            f"{ctx.zip_max_total_bytes}",
            f"容器解压后为 {total} 字节，超过上限 {ctx.zip_max_total_bytes}",
        )


def check_file(path: Path, ctx: ExtractContext, kind_en: str, kind_zh: str) -> None:
    """Open ``path`` only to check it is a readable ZIP within the limits, then close it."""
    with open_zip(path, kind_en, kind_zh) as zf:
        check_limits(zf, ctx)
        bad = _first_bad_member(zf)
    if bad is not None:
        raise CorruptFile(
            f"This {kind_en} file is corrupt: the part {bad} fails its checksum",
            f"该{kind_zh}文件已损坏：部件 {bad} 校验失败",
        )


def _first_bad_member(zf: zipfile.ZipFile) -> str | None:
    """Name of the first member whose CRC or data is broken (``testzip`` wrapped)."""
    try:
        return zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return str(exc)
    except Exception as exc:  # zlib.error and friends from a damaged deflate stream
        return str(exc)


def member_name(zf: zipfile.ZipFile, name: str) -> str | None:
    """The stored name matching ``name`` (ignoring a leading slash and letter case), if any."""
    wanted = name.lstrip("/").replace("\\", "/").lower()
    for stored in zf.namelist():
        if stored.lstrip("/").replace("\\", "/").lower() == wanted:
            return stored
    return None


def read_member(zf: zipfile.ZipFile, name: str, max_bytes: int = MAX_MEMBER_BYTES) -> bytes:
    """Read one member, at most ``max_bytes`` (the header's size is not trusted)."""
    stored = member_name(zf, name)
    if stored is None:
        raise CorruptFile(
            f"The part {name} is missing from the container",
            f"容器中缺少部件 {name}",
        )
    try:
        with zf.open(stored) as handle:
            data = handle.read(max_bytes + 1)
    except Exception as exc:  # BadZipFile, zlib.error, EOFError: all mean a damaged part
        raise CorruptFile(
            f"The part {name} cannot be read: {exc}",
            f"部件 {name} 无法读取：{exc}",
        ) from exc
    if len(data) > max_bytes:
        raise ResourceLimitExceeded(
            f"The part {name} is larger than {max_bytes} bytes",
            f"部件 {name} 超过 {max_bytes} 字节",
        )
    return data
