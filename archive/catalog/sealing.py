"""Page text sealed in the catalog when encryption at rest is on.

With ``LANTAI_ENCRYPTION_KEY_FILE`` set, originals and derivatives are stored sealed
(``archive.encryption``); the catalog would still hold every page's text and word boxes in
clear, so a copy of the data disk (the SQLite catalog lives there) would read a secret record.
The columns that hold page text (``pages.text``, ``pages.words``, ``page_text_versions.text``)
are therefore sealed too: AES-256-GCM under a key derived from the master key, each value with
its own nonce and the master key's id. The database types do not change (text stays text, JSON
stays JSON), so no migration is needed and rows copy between databases as they are.

The key belongs to a catalog's engine (``install``), not to the process, so two archives open in
one process (a restore, the tests) never share one. Values written before the key was set stay
readable as they are; a sealed value copied without a key (backup, restore) is passed through
untouched and never sealed twice. A sealed value read under another key is an
``EncryptionKeyError``, never garbage.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import JSON, TypeDecorator

from archive.encryption import KID, EncryptionKeyError, MasterKey

PREFIX = "ltenc1:"  # a sealed text value: PREFIX + base64(kid + nonce + ciphertext)
JSON_KEY = "ltenc1"  # a sealed JSON value: {JSON_KEY: base64(kid + nonce + ciphertext)}
NONCE = 12
ATTRIBUTE = "lantai_sealer"


class Sealer:
    """Seals and opens catalog values under a key derived from one master key."""

    def __init__(self, master: MasterKey) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lantai catalog page text")
        self.kid = master.kid
        self._aead = AESGCM(derived.derive(master.raw))

    def seal(self, plain: str) -> str:
        """The sealed form of ``plain`` (base64 text)."""
        nonce = os.urandom(NONCE)
        body = self._aead.encrypt(nonce, plain.encode("utf-8"), self.kid)
        return base64.b64encode(self.kid + nonce + body).decode("ascii")

    def open(self, sealed: str) -> str:
        """The plaintext of a value made by ``seal``."""
        raw = base64.b64decode(sealed)
        kid, nonce, body = raw[:KID], raw[KID:KID + NONCE], raw[KID + NONCE:]
        if kid != self.kid:
            raise EncryptionKeyError("Page text in the catalog was sealed with another encryption key",
                                     "目录中的页面文本由另一把加密密钥加密")
        try:
            return self._aead.decrypt(nonce, body, kid).decode("utf-8")
        except InvalidTag:
            raise EncryptionKeyError("Page text in the catalog does not decrypt (changed or another key)",
                                     "目录中的页面文本无法解密（已被改动或密钥不符）") from None


def install(engine: Engine, master: MasterKey | None) -> None:
    """Seal page text written through ``engine`` under ``master`` (``None``: store it in clear)."""
    setattr(engine.dialect, ATTRIBUTE, Sealer(master) if master is not None else None)


def sealer_of(dialect: Dialect) -> Sealer | None:
    """The sealer installed on an engine's dialect, if any."""
    found: Sealer | None = getattr(dialect, ATTRIBUTE, None)
    return found


class SealedText(TypeDecorator[str]):
    """A text column whose values are sealed when the catalog has a key."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        sealer = sealer_of(dialect)
        if value is None or sealer is None or value.startswith(PREFIX):
            return value
        return PREFIX + sealer.seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        sealer = sealer_of(dialect)
        if value is None or sealer is None or not value.startswith(PREFIX):
            return value
        return sealer.open(value[len(PREFIX):])


class SealedJSON(TypeDecorator[Any]):
    """A JSON column whose values are sealed (as one JSON string) when the catalog has a key."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        sealer = sealer_of(dialect)
        if value is None or sealer is None or _is_sealed(value):
            return value
        return {JSON_KEY: sealer.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))}

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        sealer = sealer_of(dialect)
        if sealer is None or not _is_sealed(value):
            return value
        return json.loads(sealer.open(value[JSON_KEY]))


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {JSON_KEY}
