"""Rotating the encryption-at-rest master key: every stored file's data key re-wrapped, no file re-encrypted."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Engine, Table, Text, bindparam, select, type_coerce, update

from archive.audit import service as audit_service
from archive.audit.service import Actor, Target
from archive.catalog.models import JSONType, Page
from archive.catalog.portal_work import PageTextVersion
from archive.catalog.sealing import JSON_KEY, PREFIX, Sealer, install
from archive.encryption import KID, MasterKey, remember_key, rewrap
from archive.vocabulary import AuditAction
from indexer.context import Lantai

BATCH = 500


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
    rows = reseal_catalog(lantai.catalog.engine, old, new)
    remember_key(lantai.settings.data_dir, new)
    storage.key = new
    install(lantai.catalog.engine, new)
    with lantai.catalog.session() as session:
        audit_service.record(session, AuditAction.KEY_ROTATE, actor, Target("encryption_key", new.kid.hex()),
                             {"old": old.kid.hex(), "new": new.kid.hex(), "files": changed, "rows": rows})
    return changed


def reseal_catalog(engine: Engine, old: MasterKey, new: MasterKey) -> int:
    """Seal the catalog's page text under ``new``: values under ``old`` are opened and sealed
    again, values in clear are sealed, values under ``new`` are left (a rerun finishes an
    interrupted rotation). Raw values are read and written, bypassing the columns' own sealing."""
    olds, news = Sealer(old), Sealer(new)
    changed = 0
    pages: Table = Page.__table__  # type: ignore[assignment]
    versions: Table = PageTextVersion.__table__  # type: ignore[assignment]
    for table, json_column in ((pages, "words"), (versions, None)):
        with engine.connect() as conn:
            ids = list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            columns: list[Any] = [table.c.id, type_coerce(table.c.text, Text)]
            if json_column:
                columns.append(type_coerce(table.c[json_column], JSONType))
            with engine.begin() as conn:
                params = []
                for row in conn.execute(select(*columns).where(table.c.id.in_(chunk))):
                    text = _text(row[1], olds, news)
                    words = _json(row[2], olds, news) if json_column else None
                    if text is None and words is None:
                        continue
                    params.append({"b_id": row[0], "b_text": text if text is not None else row[1],
                                   **({"b_words": words if words is not None else row[2]} if json_column else {})})
                if params:
                    values: dict[str, Any] = {"text": bindparam("b_text", type_=Text)}
                    if json_column:
                        values[json_column] = bindparam("b_words", type_=JSONType)
                    conn.execute(update(table).where(table.c.id == bindparam("b_id")).values(values), params)
                    changed += len(params)
    return changed


def _text(value: str | None, old: Sealer, new: Sealer) -> str | None:
    """The value sealed under ``new``; ``None`` when it already is (or is empty)."""
    if not value:
        return None
    if value.startswith(PREFIX):
        if _kid(value[len(PREFIX):]) == new.kid:
            return None
        value = old.open(value[len(PREFIX):])
    return PREFIX + new.seal(value)


def _json(value: Any, old: Sealer, new: Sealer) -> Any:
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {JSON_KEY}:
        if _kid(value[JSON_KEY]) == new.kid:
            return None
        plain = old.open(value[JSON_KEY])
    else:
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return {JSON_KEY: new.seal(plain)}


def _kid(sealed: str) -> bytes:
    return base64.b64decode(sealed)[:KID]
