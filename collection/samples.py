"""The collection set-up ``make run`` loads with the sample documents: departments, a starter
schedule and the demo clerk's department (``samples/collection.yaml``), each through the same
audited services as the CLI and the portal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.service import Actor
from archive.catalog.accounts import User
from archive.departments import assign_clerk, save_department
from collection.schedules import has_schedule, load_starter


def load_collection_samples(session: Session, path: Path, *, actor: Actor) -> dict[str, Any]:
    """Departments, the starter schedule (unless a schedule exists) and clerks from ``path``.

    Returns what was loaded: {"departments": n, "schedule": name or None, "clerks": [names]}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for entry in data.get("departments", []):
        save_department(session, code=entry["code"], name=entry["name"], aliases=entry.get("aliases", []),
                        contact_email=entry.get("contact_email"), actor=actor)
    schedule = None
    if data.get("schedule") and not has_schedule(session):
        schedule = str(data["schedule"])
        load_starter(session, schedule, actor=actor)
    clerks = []
    for username, department in (data.get("clerks") or {}).items():
        user = session.scalar(select(User).where(User.username == username))
        if user is not None:
            assign_clerk(session, user, department, actor=actor)
            clerks.append(username)
    return {"departments": len(data.get("departments", [])), "schedule": schedule, "clerks": clerks}
