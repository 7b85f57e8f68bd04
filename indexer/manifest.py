"""Manifests: a CSV or XLSX whose ``file`` column names each file (relative to the manifest)
and whose other columns carry its metadata, in English or Chinese headers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from config.errors import InputError
from indexer.metadata import header_key


class ManifestError(InputError):
    """The manifest itself cannot be used."""

    code = "bad_manifest"
    default_zh = "清单文件无效"
    default_en = "The manifest is invalid"


@dataclass
class ManifestRow:
    """One row: the file it names (resolved) and all its columns."""

    line: int
    path: Path
    values: dict[str, str]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030", "big5"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ManifestError(
        "The manifest is neither UTF-8, GB18030 nor Big5 text", "清单文件的编码无法识别（应为 UTF-8、GB18030 或 Big5）"
    )


def _rows_from_csv(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes())
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ManifestError(f"The manifest workbook cannot be opened: {exc}", "无法打开清单工作簿") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)) for v in row]
            if any(c.strip() for c in cells):
                rows.append(cells)
        return rows
    finally:
        workbook.close()


def read_manifest(path: Path) -> list[ManifestRow]:
    """Read a manifest; raise ``ManifestError`` when it has no ``file`` column."""
    if not path.is_file():
        raise ManifestError(f"Manifest {path} does not exist", f"清单文件 {path} 不存在")
    rows = _rows_from_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_from_csv(path)
    if not rows:
        raise ManifestError(f"Manifest {path.name} is empty", f"清单文件 {path.name} 为空")
    headers = [h.strip() for h in rows[0]]
    file_columns = [i for i, h in enumerate(headers) if header_key(h) == "file"]
    if not file_columns:
        raise ManifestError(
            f"Manifest {path.name} has no 'file' (文件) column; its headers are: {', '.join(headers)}",
            f"清单文件 {path.name} 缺少 file（文件）列；现有列：{'、'.join(headers)}",
        )
    file_col = file_columns[0]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {headers[i]: row[i].strip() for i in range(min(len(headers), len(row))) if headers[i]}
        name = row[file_col].strip() if file_col < len(row) else ""
        if not name:
            continue
        out.append(ManifestRow(number, (path.parent / name).resolve(), values))
    return out
