"""Passwords and secrets of accounts: argon2id hashes for passwords, SHA-256 digests for the long
random values (session ids, API tokens) that are stored only as digests."""

from __future__ import annotations

import functools
import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with the library's RFC 9106 "low memory" profile defaults (64 MiB, 3 passes).
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a damaged hash, never raises)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@functools.cache
def _dummy_hash() -> str:
    # Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
    return _hasher.hash("lantai-no-such-user")


def burn_time(password: str) -> None:
    """Verify against a dummy hash (same cost as a real check) to hide whether a user exists."""
    verify_password(_dummy_hash(), password)


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a session id or API token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
