"""Walking the audit chain: recompute every hash and name the first event that does not hold.

The walk reads the events in pages by sequence number (bounded memory at any size) and
checks, for each event, that no sequence number is missing, that it names the hash of the
event before it, and that its stored hash is the hash of its fields. At the end the chain
must reach the head row; a signed checkpoint, when given, must still be in the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from sqlalchemy import Engine, select

from archive.audit.chain import CANONICAL_FIELDS, CANONICAL_TEMPLATE, HEAD, encode_string, format_time
from archive.catalog.audit import GENESIS_HASH

PAGE_SIZE = 20_000
_TIME = CANONICAL_FIELDS.index("occurred_at")
_SEQ = CANONICAL_FIELDS.index("seq")
_PREV = CANONICAL_FIELDS.index("prev_hash")


def _page_sql(dialect: str) -> str:
    """A page of events in canonical field order plus the hash, read through the raw driver.

    The driver's own values are used as they are (no ORM row processing): PostgreSQL formats
    the time canonically itself; SQLite's stored time text is rearranged in ``format_time``.
    """
    columns = list(CANONICAL_FIELDS)
    if dialect == "postgresql":
        columns[_TIME] = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        marker = "%s"
    else:
        marker = "?"
    return (f"SELECT {', '.join(columns)}, hash FROM audit_events "  # noqa: S608  (fixed column names)
            f"WHERE seq >= {marker} ORDER BY seq LIMIT {marker}")


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a walk: ``broken_seq`` is None when the chain holds."""

    events: int  # events checked
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason_en: str = ""
    reason_zh: str = ""

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return self.broken_seq is None

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the CLI's ``--json`` and the review page."""
        return {
            "ok": self.ok, "events": self.events, "head_seq": self.head_seq, "head_hash": self.head_hash,
            "broken_seq": self.broken_seq, "reason_en": self.reason_en, "reason_zh": self.reason_zh,
        }


def _read_head(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        row = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).one_or_none()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def _row_text(r: tuple[Any, ...], time: str, enc: Callable[[str], str] = encode_string,
              template: str = CANONICAL_TEMPLATE) -> str:
    """``canonical_text`` unrolled for a row in ``CANONICAL_FIELDS`` order (the walk's hot loop).

    Positions: 1, 12 and 15 are integers; 0, 4, 8, 9, 10 and 15 are never NULL.
    """
    return template % (
        enc(r[0]),
        "null" if r[1] is None else str(r[1]),
        "null" if r[2] is None else enc(r[2]),
        "null" if r[3] is None else enc(r[3]),
        enc(r[4]),
        "null" if r[5] is None else enc(r[5]),
        "null" if r[6] is None else enc(r[6]),
        "null" if r[7] is None else enc(r[7]),
        enc(time),
        enc(r[9]),
        enc(r[10]),
        "null" if r[11] is None else enc(r[11]),
        "null" if r[12] is None else str(r[12]),
        "null" if r[13] is None else enc(r[13]),
        "null" if r[14] is None else enc(r[14]),
        str(r[15]),
        "null" if r[16] is None else enc(r[16]),
    )


def _hash_row(row: tuple[Any, ...], postgres: bool) -> str:
    time = row[_TIME] if postgres else format_time(row[_TIME])
    return sha256(_row_text(row, time).encode("utf-8")).hexdigest()


def verify_chain(
    engine: Engine,
    *,
    checkpoint: tuple[int, str] | None = None,
    page_size: int = PAGE_SIZE,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Walk the whole chain on ``engine``; ``checkpoint`` is a (seq, hash) that must still hold."""
    head_seq, head_hash = _read_head(engine)
    postgres = engine.dialect.name == "postgresql"
    sql = _page_sql(engine.dialect.name)
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    checkpoint_seen = checkpoint is None or checkpoint[0] == 0

    def broken(seq: int, en: str, zh: str) -> VerifyResult:
        return VerifyResult(count, head_seq, head_hash, seq, en, zh)

    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        while True:
            cursor.execute(sql, (expected_seq, page_size))
            rows = cursor.fetchall()
            if not rows:
                break
            for row in rows:
                seq = row[_SEQ]
                if seq != expected_seq:
                    return broken(expected_seq, f"event {expected_seq} is missing (the next event is {seq})",
                                  f"第 {expected_seq} 号事件缺失（其后为第 {seq} 号）")
                if row[_PREV] != prev_hash:
                    return broken(seq, f"event {seq} does not follow event {seq - 1} (previous hash differs)",
                                  f"第 {seq} 号事件与第 {seq - 1} 号事件不衔接（前一哈希不符）")
                digest = _hash_row(row, postgres)
                if digest != row[-1]:
                    return broken(seq, f"event {seq} was changed (its hash does not match its content)",
                                  f"第 {seq} 号事件已被改动（哈希与内容不符）")
                if seq == head_seq and digest != head_hash:
                    return broken(seq, f"event {seq} differs from the chain head", f"第 {seq} 号事件与链头记录不符")
                if checkpoint is not None and seq == checkpoint[0]:
                    if digest != checkpoint[1]:
                        return broken(seq, f"event {seq} no longer has the hash signed in the checkpoint: "
                                      "the chain was rewritten up to here",
                                      f"第 {seq} 号事件的哈希与签名检查点不符：链已被改写")
                    checkpoint_seen = True
                prev_hash, expected_seq, count = digest, seq + 1, count + 1
            if progress:
                progress(count)
        cursor.close()
    last = expected_seq - 1
    if last < head_seq:
        return broken(last + 1, f"events {last + 1} to {head_seq} are missing (the chain head says {head_seq})",
                      f"第 {last + 1} 至 {head_seq} 号事件缺失（链头为第 {head_seq} 号）")
    if last > head_seq:
        # Events appended while we walked move the head on; anything beyond the head now
        # was inserted behind the application's back.
        head_seq, head_hash = _read_head(engine)
        if last > head_seq:
            return broken(head_seq + 1, f"event {head_seq + 1} lies beyond the chain head {head_seq} (inserted)",
                          f"第 {head_seq + 1} 号事件位于链头（第 {head_seq} 号）之后（被插入）")
    if not checkpoint_seen and checkpoint is not None:
        return broken(checkpoint[0], f"event {checkpoint[0]} of the checkpoint is no longer in the chain",
                      f"检查点中的第 {checkpoint[0]} 号事件已不在链中")
    return VerifyResult(count, last, prev_hash)
