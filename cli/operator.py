"""Who acts at the command line: the operator, with an administrator's view of the records.

An operator at the server can read the catalog directly, so the command line sees what an
administrator sees (secret records as catalogue entries only, never their text) and every
command that reads or changes records is audited with the actor ``cli``, as the web audits
its users.
"""

from __future__ import annotations

from archive.access import operator_clearance
from archive.audit.service import CLI, Actor
from archive.description.records import Editor, everything

__all__ = ["CLI", "editor", "operator_clearance"]


def editor(user: str | None = None) -> Editor:
    """The operator as the description service's editor; ``user`` names them (default ``cli``)."""
    return Editor(Actor.system(user) if user else CLI, everything)
