"""Audit fixtures: the portal fixtures (app, client, auth, make_record) and chain helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from archive.audit.chain import record_event
from archive.catalog.db import Catalog
from archive.vocabulary import Outcome
from tests.portal.conftest import USERS, add_user, app, auth, client, make_app, make_record  # noqa: F401

HOSTILE = "第一行\n<script>alert('x')</script>\r\n=HYPERLINK(\"http://evil\")\x07\x1b[31m\t末尾"


def drop_triggers(catalog: Catalog) -> None:
    """Remove the append-only triggers, as an attacker with database access could."""
    with catalog.engine.begin() as conn:
        if catalog.dialect == "postgresql":
            conn.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))


def append(catalog: Catalog, count: int, **fields: Any) -> None:
    """Append ``count`` events, one transaction each."""
    for i in range(count):
        with catalog.session() as session:
            values: dict[str, Any] = {
                "action": "record_view", "actor_id": 7, "actor_name": "researcher", "actor_role": "researcher",
                "object_type": "record", "object_id": i + 1, "reference_code": f"J001-WS·2023-D30-BGS-{i + 1:04d}",
                "outcome": Outcome.ALLOWED, "ip": "10.0.0.1", "user_agent": "pytest", "request_id": f"r{i}",
                "purpose": "编史修志", "details": {"n": i},
            }
            values.update(fields)
            record_event(session, **values)


@pytest.fixture
def chain(catalog: Catalog) -> Callable[..., None]:
    """``chain(n)`` appends n events to the ``catalog`` fixture's database."""
    return lambda count, **fields: append(catalog, count, **fields)
