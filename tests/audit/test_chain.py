"""The hash chain on SQLite and PostgreSQL: appends, append-only triggers, and every kind of tampering."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from archive.audit.chain import (
    CANONICAL_FIELDS,
    EVENTS,
    AuditWriteError,
    add_write_hook,
    canonical_bytes,
    event_hash,
    record_event,
    remove_write_hook,
)
from archive.audit.verify import _row_text, verify_chain
from archive.catalog.audit import AuditChainHead, AuditEvent
from archive.catalog.db import Catalog
from tests.audit.conftest import HOSTILE, drop_triggers


def _events(catalog: Catalog) -> list[AuditEvent]:
    with catalog.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_events_are_chained_gapless_and_verify(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(5)
    events = _events(catalog)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    result = verify_chain(catalog.engine)
    assert result.ok and result.events == 5 and result.head_seq == 5 and result.head_hash == events[-1].hash


def test_hostile_text_is_stored_exactly(catalog: Catalog) -> None:
    with catalog.session() as session:
        record_event(session, action="search", actor_name=HOSTILE, purpose=HOSTILE, user_agent=HOSTILE,
                     details={"query": HOSTILE + "\x00", "filters": {"year": [2023]}, "hits": 12})
    event = _events(catalog)[0]
    assert event.purpose == HOSTILE and event.actor_name == HOSTILE and event.user_agent == HOSTILE
    assert json.loads(event.details) == {"query": HOSTILE + "\x00", "filters": {"year": [2023]}, "hits": 12}
    assert verify_chain(catalog.engine).ok


def test_nul_in_a_text_column_is_kept_visible(catalog: Catalog) -> None:
    # PostgreSQL text cannot hold NUL: it is shown as U+2400 rather than refusing the action.
    with catalog.session() as session:
        record_event(session, action="search", purpose="a\x00b")
    assert _events(catalog)[0].purpose == "a\u2400b"


def test_rolled_back_action_leaves_no_event_and_no_gap(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(1)
    with pytest.raises(RuntimeError), catalog.session() as session:
        record_event(session, action="download")
        raise RuntimeError("the download failed after the event was written")
    chain(1)
    assert [e.seq for e in _events(catalog)] == [1, 2]
    assert verify_chain(catalog.engine).ok


def test_a_failing_writer_raises_audit_write_error(catalog: Catalog) -> None:
    def broken(_fields: object) -> None:
        raise OSError("disk full")

    add_write_hook(broken)
    try:
        with pytest.raises(AuditWriteError) as info, catalog.session() as session:
            record_event(session, action="download")
    finally:
        remove_write_hook(broken)
    assert info.value.http_status == 503 and "审计" in info.value.message_zh and "audit" in info.value.message_en
    assert _events(catalog) == []


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor_name = 'x'", "DELETE FROM audit_events"])
def test_database_refuses_update_and_delete(catalog: Catalog, chain: Callable[..., None], statement: str) -> None:
    chain(2)
    with pytest.raises(DBAPIError, match="append-only"), catalog.engine.begin() as conn:
        conn.execute(text(statement))
    assert len(_events(catalog)) == 2


def _tamper(catalog: Catalog, *statements: str) -> None:
    drop_triggers(catalog)
    with catalog.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_edited_field_is_found(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(6)
    _tamper(catalog, "UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 4")
    result = verify_chain(catalog.engine)
    assert result.broken_seq == 4 and "changed" in result.reason_en


def test_edited_details_found_even_with_paging(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(7)
    _tamper(catalog, "UPDATE audit_events SET details = '{\"n\": 99}' WHERE seq = 6")
    assert verify_chain(catalog.engine, page_size=2).broken_seq == 6


def test_deleted_event_is_found(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(6)
    _tamper(catalog, "DELETE FROM audit_events WHERE seq = 3")
    result = verify_chain(catalog.engine)
    assert result.broken_seq == 3 and "missing" in result.reason_en


def test_deleted_tail_is_found_against_the_head(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(6)
    _tamper(catalog, "DELETE FROM audit_events WHERE seq >= 5")
    assert verify_chain(catalog.engine).broken_seq == 5


def test_event_inserted_after_the_head_is_found(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(3)
    with catalog.session() as session:
        last = session.get(AuditEvent, 3)
        assert last is not None
        fields = {c.name: getattr(last, c.name) for c in AuditEvent.__table__.columns}
    # A perfectly formed fourth event, hashed like the application would, but not via the head.
    fields.update(seq=4, prev_hash=fields["hash"], actor_name="ghost", details="{}")
    fields["hash"] = event_hash(fields)
    with catalog.engine.begin() as conn:
        conn.execute(EVENTS.insert().values(**fields))
    result = verify_chain(catalog.engine)
    assert result.broken_seq == 4 and "inserted" in result.reason_en


def test_event_inserted_in_the_middle_is_found(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(5)
    # Make room at seq 3 by moving 3..5 up by one (from the top, to keep the key unique).
    _tamper(catalog, *[f"UPDATE audit_events SET seq = {s + 1} WHERE seq = {s}" for s in (5, 4, 3)])  # noqa: S608
    with catalog.session() as session:
        second = session.get(AuditEvent, 2)
        assert second is not None
        fields = {c.name: getattr(second, c.name) for c in AuditEvent.__table__.columns}
    fields.update(seq=3, prev_hash=fields["hash"], actor_name="ghost")
    fields["hash"] = event_hash(fields)
    with catalog.engine.begin() as conn:
        conn.execute(EVENTS.insert().values(**fields))
    # The forged event 3 is well formed; the old event 3, now numbered 4, no longer is.
    assert verify_chain(catalog.engine).broken_seq == 4


def test_reordered_events_are_found(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(6)
    _tamper(catalog,
            "UPDATE audit_events SET seq = 100 WHERE seq = 3",
            "UPDATE audit_events SET seq = 3 WHERE seq = 4",
            "UPDATE audit_events SET seq = 4 WHERE seq = 100")
    result = verify_chain(catalog.engine)
    assert result.broken_seq == 3 and "does not follow" in result.reason_en


def test_head_row_tracks_the_last_event(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(3)
    with catalog.session() as session:
        head = session.get(AuditChainHead, 1)
        assert head is not None and head.seq == 3
        assert head.hash == _events(catalog)[-1].hash


@given(
    text=st.text(),
    number=st.one_of(st.none(), st.integers(min_value=-(2**62), max_value=2**62)),
    when=st.datetimes(min_value=dt.datetime(1900, 1, 1), timezones=st.just(dt.UTC)),
)
def test_canonical_form_is_sorted_compact_json(text: str, number: int | None, when: dt.datetime) -> None:
    fields: dict[str, Any] = {name: text for name in CANONICAL_FIELDS}
    fields.update(actor_id=number, record_id=number, seq=7, occurred_at=when, purpose=None)
    expected = dict(fields, occurred_at=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    canonical = json.dumps(expected, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_bytes(fields) == canonical.encode("utf-8")
    row = tuple(expected[name] for name in CANONICAL_FIELDS)
    assert _row_text(row, expected["occurred_at"]) == canonical  # the walk's unrolled form agrees
