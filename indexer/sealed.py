"""Job options that must not lie in the catalog in clear text (a PDF's password, say).

They are sealed with a key derived from ``LANTAI_SECRET_KEY`` (Fernet: AES-128-CBC with an
HMAC, from the ``cryptography`` library), kept on the job only until it ends, and opened by
the worker that processes it. Whoever reads the catalog alone learns nothing of them.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from config.settings import Settings

_CONTEXT = b"lantai job options v1"


def _fernet(settings: Settings) -> Fernet:
    key = hashlib.sha256(_CONTEXT + settings.signing_secret().encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, value: str) -> str:
    """The sealed form of ``value`` (ASCII, safe to store)."""
    return _fernet(settings).encrypt(value.encode("utf-8")).decode("ascii")


def unseal(settings: Settings, token: str) -> str | None:
    """The value sealed in ``token``; None when it was sealed under another secret key."""
    try:
        return _fernet(settings).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None
