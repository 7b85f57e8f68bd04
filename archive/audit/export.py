"""Exporting the audit log: the use register (利用登记) as CSV or XLSX, and the full events as JSONL.

Text written by users (queries, purposes, user agents) is exported exactly, except that a
spreadsheet cell never starts with a formula character (``= + - @``, tab, CR: prefixed
with ``'``) and characters XLSX cannot hold are written as ``\\xNN``. JSONL is the archival
form: every field, with the hashes, so an export can be checked against the chain.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from archive.audit.chain import format_time
from archive.audit.labels import action_label, outcome_label, role_label
from archive.audit.review import details_of
from archive.catalog.audit import AuditEvent

REGISTER_HEADER = ["序号", "日期时间", "利用人", "角色", "档号", "题名", "利用方式", "利用目的", "结果", "IP"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: Any) -> str:
    """A cell's text that a spreadsheet will show and never evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _xlsx_text(value: Any) -> str:
    return _XLSX_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", neutralise(value))


def register_row(number: int, event: AuditEvent, titles: dict[int, str]) -> list[str]:
    """One line of the use register for ``event``."""
    details = details_of(event)
    when = format_time(event.occurred_at).replace("T", " ").rstrip("Z")[:19] + " UTC"
    return [
        str(number),
        when,
        event.actor_name or "匿名",
        role_label(event.actor_role),
        event.reference_code or "",
        titles.get(event.record_id, "") if event.record_id is not None else "",
        action_label(event.action, details),
        event.purpose or "",
        outcome_label(event.outcome),
        event.ip or "",
    ]


def register_rows(events: Iterable[AuditEvent], title_of: Any) -> Iterator[list[str]]:
    """The use register's lines; ``title_of(ids)`` returns 题名 by record id for a batch."""
    batch: list[AuditEvent] = []
    number = 0

    def flush() -> Iterator[list[str]]:
        nonlocal number
        titles = title_of({e.record_id for e in batch if e.record_id is not None})
        for event in batch:
            number += 1
            yield register_row(number, event, titles)
        batch.clear()

    for event in events:
        batch.append(event)
        if len(batch) >= 1000:
            yield from flush()
    yield from flush()


class _Echo:
    """A file-like object whose ``write`` returns what it was given (for streaming CSV)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """The register as CSV text, line by line, with a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(REGISTER_HEADER)
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def write_csv(rows: Iterable[list[str]], handle: IO[str]) -> int:
    """Write the register as CSV to an open text file; returns the number of rows."""
    count = -1  # the header is not a row
    for line in csv_lines(rows):
        handle.write(line)
        count += 1
    return count


def write_xlsx(rows: Iterable[list[str]], target: Path | IO[bytes]) -> int:
    """Write the register as an XLSX workbook (streamed); returns the number of rows."""
    from openpyxl import Workbook  # imports numpy, whose thread pool would stop `lantai ingest` forking

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("利用登记")
    sheet.append(REGISTER_HEADER)
    count = 0
    for row in rows:
        sheet.append([_xlsx_text(cell) for cell in row])
        count += 1
    workbook.save(target)
    return count


def event_json(event: AuditEvent) -> str:
    """One event as a JSON line with every field (details as the stored canonical text)."""
    body = {
        "seq": event.seq, "occurred_at": format_time(event.occurred_at), "action": event.action,
        "actor_id": event.actor_id, "actor_name": event.actor_name, "actor_role": event.actor_role,
        "object_type": event.object_type, "object_id": event.object_id, "record_id": event.record_id,
        "reference_code": event.reference_code, "outcome": event.outcome, "ip": event.ip,
        "user_agent": event.user_agent, "request_id": event.request_id, "purpose": event.purpose,
        "details": event.details, "prev_hash": event.prev_hash, "hash": event.hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def write_jsonl(events: Iterable[AuditEvent], handle: IO[str]) -> int:
    """Write events as JSON lines; returns how many."""
    count = 0
    for event in events:
        handle.write(event_json(event) + "\n")
        count += 1
    return count
