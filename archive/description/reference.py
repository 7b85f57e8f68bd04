"""档号 (reference codes) on the DA/T 22 item pattern, e.g. ``J001-WS·2023-D30-BGS-0012``.

件号 (item numbers) run without gaps per series (fonds, category, year, retention,
department). The next number comes from one atomic upsert on the series' counter row
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``): on PostgreSQL the row stays locked
until the assigning transaction ends, on SQLite the whole database is locked by the writer,
so two transactions can never get the same number, and a rolled-back transaction gives its
number back. A 档号 once assigned is never regenerated.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from archive.catalog.db import Catalog
from archive.catalog.description import ReferenceCounter
from archive.catalog.models import Record
from archive.description.provenance import set_provenance
from archive.description.schema import DescriptionError

T = TypeVar("T")

# Pattern placeholders and the Record attribute each one stands for.
PLACEHOLDERS: dict[str, str] = {
    "fonds": "fonds_code",
    "category": "category_code",
    "year": "year",
    "retention": "retention",
    "department": "department_code",
    "item": "item_number",
}
_PART_RE: dict[str, str] = {
    "fonds": r"[A-Za-z0-9]+",
    "category": r"[A-Za-z0-9]+",
    "year": r"\d{4}",
    "retention": r"[A-Za-z0-9]+",
    "department": r"[A-Za-z0-9]+",
    "item": r"\d+",
}
SERIES_KEYS: tuple[str, ...] = ("fonds", "category", "year", "retention", "department")


class ReferenceCodeError(DescriptionError):
    """A 档号 does not follow the pattern, contradicts the record, or is already taken."""

    code = "bad_reference_code"
    default_zh = "档号无效"
    default_en = "Invalid reference code"


@dataclass(frozen=True)
class ReferencePattern:
    """A compiled 档号 pattern such as ``{fonds}-{category}·{year}-{retention}-{department}-{item:04d}``."""

    text: str
    regex: re.Pattern[str]
    fields: tuple[str, ...]

    @classmethod
    def compile(cls, pattern: str) -> ReferencePattern:
        """Check a pattern and build the regex that parses codes made by it."""
        regex = ""
        fields: list[str] = []
        try:
            parts = list(string.Formatter().parse(pattern))
        except ValueError as exc:
            raise ReferenceCodeError(
                f"Bad 档号 pattern {pattern!r}: {exc}", f"档号模式 {pattern!r} 无效"
            ) from exc
        for literal, name, _spec, _conv in parts:
            regex += re.escape(literal)
            if name is None:
                continue
            if name not in PLACEHOLDERS or name in fields:
                raise ReferenceCodeError(
                    f"Bad 档号 pattern {pattern!r}: unknown or repeated placeholder {{{name}}}",
                    f"档号模式 {pattern!r} 无效：占位符 {{{name}}} 未知或重复",
                )
            fields.append(name)
            regex += f"(?P<{name}>{_PART_RE[name]})"
        for needed in ("fonds", "item"):
            if needed not in fields:
                raise ReferenceCodeError(
                    f"The 档号 pattern {pattern!r} needs {{{needed}}}", f"档号模式 {pattern!r} 必须包含 {{{needed}}}"
                )
        return cls(pattern, re.compile(f"^{regex}$"), tuple(fields))

    @property
    def series_fields(self) -> tuple[str, ...]:
        """The placeholders other than the item number."""
        return tuple(name for name in self.fields if name != "item")

    def format(self, parts: dict[str, Any]) -> str:
        """The 档号 for the given parts (placeholder name -> value)."""
        return self.text.format(**parts)

    def parse(self, code: str) -> dict[str, Any]:
        """The parts of a 档号 (``year`` and ``item`` as ints), or ``ReferenceCodeError``."""
        match = self.regex.match(code.strip())
        if match is None:
            example = self.format(
                {"fonds": "J001", "category": "WS", "year": 2023, "retention": "D30", "department": "BGS", "item": 12}
            )
            raise ReferenceCodeError(
                f"档号 {code!r} does not follow the pattern {self.text} (for example {example})",
                f"档号 {code!r} 不符合格式 {self.text}（例如 {example}）",
            )
        parts: dict[str, Any] = match.groupdict()
        for name in ("year", "item"):
            if name in parts:
                parts[name] = int(parts[name])
        for name in ("fonds", "category", "retention", "department"):
            if name in parts:
                parts[name] = parts[name].upper()
        return parts


def record_parts(record: Record, pattern: ReferencePattern) -> dict[str, Any] | None:
    """The series parts of a record for the pattern, or None while one is still unknown."""
    parts: dict[str, Any] = {}
    for name in pattern.series_fields:
        value = getattr(record, PLACEHOLDERS[name])
        if value in (None, ""):
            return None
        parts[name] = value
    return parts


def _counter_insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _series_values(parts: dict[str, Any]) -> dict[str, Any]:
    return {
        "fonds_code": parts["fonds"],
        "category_code": parts.get("category", ""),
        "year": parts.get("year", 0),
        "retention": parts.get("retention", ""),
        "department_code": parts.get("department", ""),
    }


_SERIES_COLUMNS = ["fonds_code", "category_code", "year", "retention", "department_code"]


def next_item_number(session: Session, parts: dict[str, Any]) -> int:
    """Take the next 件号 of a series; the counter row stays locked until the transaction ends."""
    insert = _counter_insert(session)
    statement = (
        insert(ReferenceCounter)
        .values(**_series_values(parts), last_item=1)
        .on_conflict_do_update(index_elements=_SERIES_COLUMNS, set_={"last_item": ReferenceCounter.last_item + 1})
        .returning(ReferenceCounter.last_item)
    )
    return int(session.execute(statement).scalar_one())


def raise_counter(session: Session, parts: dict[str, Any], item: int) -> None:
    """Make sure the series counter is at least ``item`` (after an imported or entered 件号)."""
    insert = _counter_insert(session)
    statement = (
        insert(ReferenceCounter)
        .values(**_series_values(parts), last_item=item)
        .on_conflict_do_update(
            index_elements=_SERIES_COLUMNS,
            set_={"last_item": case((ReferenceCounter.last_item < item, item), else_=ReferenceCounter.last_item)},
        )
    )
    session.execute(statement)


def _taken(session: Session, code: str, record_id: int | None) -> bool:
    query = select(Record.id).where(Record.reference_code == code)
    if record_id is not None:
        query = query.where(Record.id != record_id)
    return session.execute(query.limit(1)).first() is not None


def assign_reference_code(session: Session, record: Record, pattern: str) -> str | None:
    """Give the record its 档号 once all parts are known; return it (None while parts are missing).

    A record that has a 档号 keeps it. A 件号 a person already entered is used (and checked
    for uniqueness); otherwise the next number of the series is taken. Must run inside the
    transaction that saves the record, so a rollback also returns the number.
    """
    if record.reference_code:
        return record.reference_code
    compiled = ReferencePattern.compile(pattern)
    parts = record_parts(record, compiled)
    if parts is None:
        return None
    session.flush()  # the record needs its id for the uniqueness check
    if record.item_number:
        code = compiled.format({**parts, "item": record.item_number})
        if _taken(session, code, record.id):
            raise ReferenceCodeError(
                f"档号 {code} is already used by another record; change 件号 {record.item_number}",
                f"档号 {code} 已被其他档案使用；请修改件号 {record.item_number}",
            )
        raise_counter(session, parts, record.item_number)
        record.reference_code = code
        set_provenance(record, {"reference_code": ("machine", "pattern")})
        return code
    while True:
        item = next_item_number(session, parts)
        code = compiled.format({**parts, "item": item})
        # Only an imported code can sit ahead of the counter; skip it rather than fail.
        if not _taken(session, code, record.id):
            break
    record.item_number = item
    record.reference_code = code
    set_provenance(record, {"item_number": ("machine", "counter"), "reference_code": ("machine", "pattern")})
    return code


def validate_imported_code(session: Session, record: Record, code: str, pattern: str) -> dict[str, Any]:
    """Check an imported 档号 against the pattern, the record's own fields and uniqueness.

    Returns the parts; raises ``ReferenceCodeError`` with the reason. Does not change the record.
    """
    compiled = ReferencePattern.compile(pattern)
    parts = compiled.parse(code)
    for name, value in parts.items():
        attribute = PLACEHOLDERS[name]
        current = getattr(record, attribute)
        if current not in (None, "") and str(current).upper() != str(value).upper():
            raise ReferenceCodeError(
                f"档号 {code} says {name}={value} but the record has {attribute}={current}",
                f"档号 {code} 中的{name}为 {value}，与档案的 {attribute}={current} 不一致",
            )
    if record.reference_code and record.reference_code != code.strip():
        raise ReferenceCodeError(
            f"The record already has 档号 {record.reference_code}; an assigned 档号 is never changed",
            f"该档案已有档号 {record.reference_code}；档号一经分配不再更改",
        )
    if _taken(session, code.strip(), record.id):
        raise ReferenceCodeError(f"档号 {code} is already used by another record", f"档号 {code} 已被其他档案使用")
    return parts


def apply_imported_code(session: Session, record: Record, code: str, pattern: str, by: str = "import") -> None:
    """Validate an imported 档号, fill the record's empty parts from it and keep the counter ahead."""
    parts = validate_imported_code(session, record, code, pattern)
    changed: dict[str, tuple[str, str]] = {}
    for name, value in parts.items():
        attribute = PLACEHOLDERS[name]
        if getattr(record, attribute) in (None, ""):
            setattr(record, attribute, value)
            changed[attribute] = (by, "reference_code")
    record.reference_code = code.strip()
    changed["reference_code"] = (by, "import")
    set_provenance(record, changed)
    series = {name: value for name, value in parts.items() if name != "item"}
    raise_counter(session, series, int(parts["item"]))


def is_busy(exc: OperationalError) -> bool:
    """Whether a database error is a transient lock conflict (SQLite busy, PostgreSQL deadlock)."""
    text = str(exc.orig).lower()
    return any(word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


def run_in_transaction(catalog: Catalog, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run ``work`` in a fresh transaction, retrying when a concurrent writer held the lock.

    SQLite reports a busy database instead of waiting when a reading transaction tries to
    write after another writer committed; the whole unit of work is then safely re-run.
    """
    for attempt in range(attempts):
        try:
            with catalog.session() as session:
                return work(session)
        except OperationalError as exc:
            if not is_busy(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
