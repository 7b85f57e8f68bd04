"""Bounded reading of ZIP-based containers (DOCX, XLSX, ODT, OFD): entry-count and size limits.

Office and OFD files are ZIP archives; a hostile one can declare a few entries that expand
to gigabytes. These helpers check the declared sizes before a library opens the file and
never read a member past its limit, whatever its header claims. Before python-docx, openpyxl
or odfpy parse an Office file (each holds a part's whole tree in memory), every part is
inflated once, streaming, against the same ``DecompressionBudget`` that ZIP archives and PDF
streams use, and the elements of its XML are counted, so a 1.5 MB file that inflates to
gigabytes, or to millions of empty elements, is refused with the limit named.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from indexer.extract.base import CorruptFile, ExtractContext, ResourceLimitExceeded
from indexer.extract.limits import INFLATE_CHUNK, DecompressionBudget

# One XML part of an office or OFD document is rarely above a few MB; 64 MB leaves room.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
# Elements of one XML part that a library parses whole. A 500-page Word document has a few
# hundred thousand; a million costs python-docx about 250 MB and odfpy about 650 MB, well
# inside LANTAI_DOCUMENT_MEMORY_MB's default (the tree costs 30-70 bytes per byte of XML).
MAX_PART_ELEMENTS = 1_000_000


def open_zip(path: Path, kind_en: str, kind_zh: str) -> zipfile.ZipFile:
    """Open ``path`` as a ZIP container or raise ``CorruptFile`` naming the expected format."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(
            f"This {kind_en} file is corrupt or truncated (its ZIP structure is unreadable: {exc})",
            f"该{kind_zh}文件已损坏或被截断（ZIP 结构无法读取）；请重新取得完整的文件后再上传",
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


def check_file(path: Path, ctx: ExtractContext, kind_en: str, kind_zh: str,
               streamed: tuple[str, ...] = ()) -> None:
    """Open ``path`` only to check it is a readable ZIP within the limits, then close it.

    Every part is inflated against the container's budget (``zip_max_total_bytes``); a part
    the library parses whole also against ``MAX_MEMBER_BYTES`` and ``MAX_PART_ELEMENTS``.
    Parts whose names start with one of ``streamed`` are read row by row by their library
    (XLSX worksheets) and count against the container's budget only.
    """
    with open_zip(path, kind_en, kind_zh) as zf:
        check_limits(zf, ctx)
        total = DecompressionBudget(ctx.zip_max_total_bytes, f"this {kind_en} file", f"该{kind_zh}文件")
        for info in zf.infolist():
            whole = not info.filename.lower().startswith(streamed)
            bad = _inflate_part(zf, info, total, kind_en, kind_zh, whole)
            if bad is not None:
                raise CorruptFile(
                    f"This {kind_en} file is corrupt: the part {info.filename} fails its checksum ({bad})",
                    f"该{kind_zh}文件已损坏：部件 {info.filename} 校验失败；请重新取得完整的文件后再上传",
                )


class _ElementCounter:
    """An lxml parser target that builds no tree: it only counts elements up to a limit."""

    def __init__(self, part: str, kind_en: str, kind_zh: str) -> None:
        self.count, self.part, self.kind_en, self.kind_zh = 0, part, kind_en, kind_zh

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.count += 1
        if self.count > MAX_PART_ELEMENTS:
            raise ResourceLimitExceeded(
                f"The part {self.part} of this {self.kind_en} file holds more than "
                f"{MAX_PART_ELEMENTS} XML elements (the limit for one part): it looks like a "
                "bomb built to exhaust memory and was refused",
                f"该{self.kind_zh}文件的部件 {self.part} 含有超过 {MAX_PART_ELEMENTS} 个 XML 元素"
                "（单个部件的上限），疑似耗尽内存的炸弹文件，已拒绝",
            )

    def close(self) -> None:
        """The parse is over (lxml's target protocol)."""


def _inflate_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, total: DecompressionBudget,
                  kind_en: str, kind_zh: str, whole: bool) -> str | None:
    """Inflate one part step by step against the budgets (never holding more than a step);
    return why its data is broken, None when it is sound."""
    name = info.filename
    part = DecompressionBudget(MAX_MEMBER_BYTES, f"one part of this {kind_en} file",
                               f"该{kind_zh}文件的单个部件")
    parser: Any = None
    if whole and name.lower().endswith((".xml", ".rels")):
        parser = etree.XMLParser(target=_ElementCounter(name, kind_en, kind_zh),
                                 resolve_entities=False, no_network=True, huge_tree=True)
    try:
        with zf.open(info) as handle:
            while chunk := handle.read(INFLATE_CHUNK):
                total.add(len(chunk), name)
                if whole:
                    part.add(len(chunk), name)
                if parser is not None:
                    parser = _feed(parser, chunk)
    except ResourceLimitExceeded:
        raise
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError: all mean a damaged part
        return str(exc)
    return None


def check_elements(data: bytes, part: str, kind_en: str, kind_zh: str) -> None:
    """Refuse an XML part of more than ``MAX_PART_ELEMENTS`` elements before a tree is built
    (syntax errors are left to the parser that builds it)."""
    parser = etree.XMLParser(target=_ElementCounter(part, kind_en, kind_zh),
                             resolve_entities=False, no_network=True, huge_tree=True)
    if _feed(parser, data) is not None:
        try:
            parser.close()
        except etree.XMLSyntaxError:
            return


def _feed(parser: Any, chunk: bytes) -> Any:
    """Feed ``chunk`` to the counting parser; None from the first syntax error on (the
    library that really parses the part reports a damaged one)."""
    try:
        parser.feed(chunk)
    except etree.XMLSyntaxError:
        return None
    return parser


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
            f"部件 {name} 无法读取，文件可能已损坏；请重新取得完整的文件后再上传",
        ) from exc
    if len(data) > max_bytes:
        raise ResourceLimitExceeded(
            f"The part {name} is larger than {max_bytes} bytes",
            f"部件 {name} 超过 {max_bytes} 字节",
        )
    return data
