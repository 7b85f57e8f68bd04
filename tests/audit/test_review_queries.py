"""The review queries and chart figures on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from archive.audit.chain import record_event
from archive.audit.review import (
    AuditFilter,
    chart_window,
    downloads_by_department,
    events_per_day,
    find_events,
    most_viewed,
    who_accessed,
)
from archive.catalog.db import Catalog
from archive.catalog.models import Record

DAY = dt.datetime(2025, 5, 4, 23, 30, tzinfo=dt.UTC)


def test_queries_and_charts(catalog: Catalog) -> None:
    with catalog.session() as session:
        record = Record(title="校史", reference_code="J001-WS·2023-D30-BGS-0001", department="办公室",
                        status="done", page_count=0, extra={}, access_level="open")
        session.add(record)
        session.flush()
        rid = record.id
        for i, action in enumerate(["record_view", "record_view", "download", "search"]):
            record_event(session, action=action, actor_id=5, actor_name="r", actor_role="researcher",
                         object_type="record" if action != "search" else None,
                         object_id=rid if action != "search" else None,
                         occurred_at=DAY + dt.timedelta(hours=i), details={"form": "text"})
    with catalog.session() as session:
        assert [e.seq for e in who_accessed(session, rid).events] == [3, 2, 1]
        assert [e.seq for e in find_events(session, AuditFilter(user="5", action="search")).events] == [4]
        window = chart_window(AuditFilter(date_from=dt.date(2025, 5, 4), date_to=dt.date(2025, 5, 5)))
        per_day = sorted(events_per_day(session, window))
        assert per_day == [("2025-05-04", "record_view", 1), ("2025-05-05", "download", 1),
                           ("2025-05-05", "record_view", 1), ("2025-05-05", "search", 1)]
        assert most_viewed(session, window) == [(rid, "J001-WS·2023-D30-BGS-0001", 2)]
        assert downloads_by_department(session, window) == [("办公室", 1)]
        one_day = AuditFilter(date_from=dt.date(2025, 5, 4), date_to=dt.date(2025, 5, 4))
        assert [e.seq for e in find_events(session, one_day).events] == [1]
