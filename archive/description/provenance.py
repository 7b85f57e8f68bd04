"""Who set each description field: a person (by user name), an import, or the machine.

Kept in ``record.extra["provenance"]`` as ``{field: {"by": ..., "source": ..., "confidence": ...,
"at": ISO time}}``. ``by`` is ``"machine"`` for extraction, rules and the classifier, and a
user name, ``"person"`` or ``"import"`` otherwise. Machine values never replace a person's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from archive.catalog.models import Record, utcnow

MACHINE = "machine"


def update_extra(record: Record, key: str, value: Any) -> None:
    """Set ``record.extra[key]``, replacing the dict so SQLAlchemy sees the change."""
    extra = dict(record.extra or {})
    if value is None:
        extra.pop(key, None)
    else:
        extra[key] = value
    record.extra = extra


def provenance(record: Record) -> dict[str, dict[str, Any]]:
    """A copy of the record's provenance map."""
    return {k: dict(v) for k, v in (record.extra or {}).get("provenance", {}).items()}


def set_provenance(
    record: Record, fields: Mapping[str, tuple[str, str]], confidence: Mapping[str, float] | None = None
) -> None:
    """Record who (``by``) set each field and from what (``source``)."""
    current = provenance(record)
    now = utcnow().isoformat(timespec="seconds")
    for name, (by, source) in fields.items():
        entry: dict[str, Any] = {"by": by, "source": source, "at": now}
        if confidence and name in confidence:
            entry["confidence"] = round(float(confidence[name]), 3)
        current[name] = entry
    update_extra(record, "provenance", current)


def set_by_machine(record: Record, name: str) -> bool:
    """Whether a field's value came from the machine (extraction, a rule or the classifier)."""
    entry = provenance(record).get(name)
    return entry is not None and entry.get("by") == MACHINE


def claim_unattributed(record: Record, names: Iterable[str], by: str = "person") -> None:
    """Attribute filled fields with no provenance yet (a manifest, a form) to a person."""
    known = provenance(record)
    fields = {
        name: (by, "entered") for name in names if name not in known and getattr(record, name, None) not in (None, "")
    }
    if fields:
        set_provenance(record, fields)
