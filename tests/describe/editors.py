"""Editors for tests of the description service: staff members who know of every record."""

from __future__ import annotations

from archive.audit.service import Actor
from archive.description.records import Editor, everything


def staff(name: str) -> Editor:
    """An archivist called ``name`` who may see every record."""
    return Editor(Actor(None, name, "archivist"), everything)


ARCHIVIST = staff("archivist")
