"""Rotating the encryption-at-rest master key: every stored file's data key re-wrapped, no file re-encrypted."""

from __future__ import annotations

from archive.audit import service as audit_service
from archive.audit.service import Actor, Target
from archive.encryption import MasterKey, remember_key, rewrap
from archive.vocabulary import AuditAction
from indexer.context import Lantai


def rotate(lantai: Lantai, old: MasterKey, new: MasterKey, actor: Actor) -> int:
    """Re-wrap each encrypted original and derivative from ``old`` to ``new``; how many changed.

    Files already under ``new`` are skipped, so an interrupted rotation is finished by running it
    again. The data dir records ``new`` as its key only when every file is done.
    """
    storage = lantai.storage
    changed = 0
    for folder in (storage.originals, storage.derivatives):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-") and rewrap(path, old, new):
                changed += 1
    remember_key(lantai.settings.data_dir, new)
    storage.key = new
    with lantai.catalog.session() as session:
        audit_service.record(session, AuditAction.KEY_ROTATE, actor, Target("encryption_key", new.kid.hex()),
                             {"old": old.kid.hex(), "new": new.kid.hex(), "files": changed})
    return changed
