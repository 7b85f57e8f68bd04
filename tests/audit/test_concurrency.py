"""Two processes appending at once: every event lands, sequence numbers stay gapless, the chain holds."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select

from archive.audit.verify import verify_chain
from archive.catalog.audit import AuditEvent
from archive.catalog.db import Catalog
from tests.audit.appender import append_events

PER_PROCESS = 150


def test_two_processes_append_to_one_valid_chain(catalog: Catalog) -> None:
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=append_events, args=(catalog.url, name, PER_PROCESS)) for name in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with catalog.session() as session:
        by_actor = select(AuditEvent.actor_name, func.count()).group_by(AuditEvent.actor_name)
        counts = dict(session.execute(by_actor).all())
        seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert counts == {"a": PER_PROCESS, "b": PER_PROCESS}
    assert seqs == list(range(1, 2 * PER_PROCESS + 1))
    result = verify_chain(catalog.engine)
    assert result.ok and result.events == 2 * PER_PROCESS
