"""The audit trail: a tamper-evident, append-only log of who searched, viewed and downloaded what.

Views call ``audit_or_refuse`` (in their transaction) or wrap themselves in ``audited``;
anything without a request (CLI, workers) calls ``record_event`` with the actor it knows.
"""

from __future__ import annotations

from archive.catalog.audit import AuditEvent
from archive.vocabulary import AuditAction, DownloadForm, Outcome
from portal.audit.chain import AuditWriteError, add_write_hook, record_event, remove_write_hook

__all__ = [
    "AuditAction",
    "AuditEvent",
    "AuditWriteError",
    "DownloadForm",
    "Outcome",
    "add_write_hook",
    "record_event",
    "remove_write_hook",
]
