"""Encryption at rest: AES-256-GCM per file, each file's data key wrapped by the master key.

A stored file is ``HEADER`` then segments. The header holds a magic, the id of the master key
that wrapped the data key, the wrapped data key (AES key wrap, RFC 3394) and a nonce prefix;
each segment is up to ``SEGMENT`` bytes of plaintext sealed with AES-256-GCM under the data key,
its nonce the prefix and the segment's number, the last segment marked in its associated data
so that a truncated file is an error, never a shorter plaintext. Reading decrypts one segment
at a time (serving is a stream). Rotating the master key rewrites only the wrapped data key in
the header, never the file's body. The storage address stays the SHA-256 of the plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from config.errors import ConfigurationError, LantaiError

MAGIC = b"LTENC001"
KID = 16  # bytes of the master key's id
WRAPPED = 40  # a wrapped 32-byte key
PREFIX = 8  # nonce prefix; the nonce is prefix + 4-byte segment number
HEADER = len(MAGIC) + KID + WRAPPED + PREFIX
SEGMENT = 1024 * 1024
TAG = 16


class EncryptionKeyError(ConfigurationError):
    """The master key is missing, malformed, or not the key the stored files need."""

    code = "encryption_key"
    default_zh = "加密密钥有误"
    default_en = "The encryption key is wrong"


class DecryptionError(LantaiError):
    """A stored file does not decrypt: it was changed, truncated, or sealed under another key."""

    code = "decryption_failed"
    default_zh = "存储文件无法解密（已被改动或截断）"
    default_en = "A stored file does not decrypt (changed or truncated)"


class MasterKey:
    """The 32-byte master key that wraps every file's data key."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise EncryptionKeyError("The encryption key must be 32 bytes (base64 in its file)",
                                     "加密密钥必须为 32 字节（文件中为 base64）")
        self.raw = raw
        self.kid = hashlib.sha256(b"lantai master key id" + raw).digest()[:KID]

    @classmethod
    def load(cls, path: Path) -> MasterKey:
        """Read a key file made by ``lantai keys create``; a clear error when it is missing or malformed."""
        try:
            text = path.read_text(encoding="ascii").strip()
            raw = base64.b64decode(text, validate=True)
        except FileNotFoundError:
            raise EncryptionKeyError(f"LANTAI_ENCRYPTION_KEY_FILE {path} does not exist",
                                     f"LANTAI_ENCRYPTION_KEY_FILE 指向的 {path} 不存在") from None
        except (OSError, ValueError) as exc:
            raise EncryptionKeyError(
                f"{path} is not a Lantai encryption key: {exc}",
                f"{path} 不是兰台加密密钥（应为一行 base64 文本，由 `lantai keys create` 生成）",
            ) from exc
        return cls(raw)

    @staticmethod
    def create(path: Path) -> MasterKey:
        """Write a new random key to ``path`` (mode 0600); refuse to overwrite one."""
        raw = os.urandom(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise EncryptionKeyError(f"{path} exists already; a key is never overwritten",
                                     f"{path} 已存在；密钥不会被覆盖") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(raw).decode("ascii") + "\n")
        return MasterKey(raw)

    def wrap(self, data_key: bytes) -> bytes:
        """The data key wrapped under this master key."""
        return aes_key_wrap(self.raw, data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        """The data key; ``EncryptionKeyError`` when this is not the key that wrapped it."""
        try:
            return aes_key_unwrap(self.raw, wrapped)
        except InvalidUnwrap:
            raise EncryptionKeyError("The encryption key is not the one the stored files were sealed with",
                                     "加密密钥与存储文件所用的密钥不符") from None


def is_sealed(path: Path) -> bool:
    """Whether a stored file is in the encrypted form."""
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _aad(prefix: bytes, final: bool) -> bytes:
    return MAGIC + prefix + (b"\x01" if final else b"\x00")


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + struct.pack(">I", number)


def seal_stream(key: MasterKey, chunks: Iterator[bytes], out: BinaryIO) -> None:
    """Write the encrypted form of the plaintext ``chunks`` to ``out``."""
    data_key = AESGCM.generate_key(bit_length=256)
    prefix = os.urandom(PREFIX)
    out.write(MAGIC + key.kid + key.wrap(data_key) + prefix)
    aead = AESGCM(data_key)
    buffer = bytearray()
    number = 0
    for chunk in chunks:
        buffer += chunk
        while len(buffer) > SEGMENT:  # keep one segment back: only the last may be marked final
            out.write(aead.encrypt(_nonce(prefix, number), bytes(buffer[:SEGMENT]), _aad(prefix, False)))
            del buffer[:SEGMENT]
            number += 1
    out.write(aead.encrypt(_nonce(prefix, number), bytes(buffer), _aad(prefix, True)))


def read_header(handle: BinaryIO) -> tuple[bytes, bytes, bytes]:
    """The master key id, the wrapped data key and the nonce prefix of an encrypted file."""
    header = handle.read(HEADER)
    if len(header) != HEADER or not header.startswith(MAGIC):
        raise DecryptionError()
    kid = header[len(MAGIC):len(MAGIC) + KID]
    wrapped = header[len(MAGIC) + KID:len(MAGIC) + KID + WRAPPED]
    return kid, wrapped, header[-PREFIX:]


class DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted file, read one segment at a time."""

    def __init__(self, key: MasterKey, handle: BinaryIO) -> None:
        super().__init__()
        self.handle = handle
        kid, wrapped, self.prefix = read_header(handle)
        if kid != key.kid:
            handle.close()
            raise EncryptionKeyError("The encryption key is not the one this file was sealed with",
                                     "加密密钥与该文件所用的密钥不符")
        self.aead = AESGCM(key.unwrap(wrapped))
        self.number = 0
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        sealed = self.handle.read(SEGMENT + TAG)
        final = len(sealed) < SEGMENT + TAG
        if not final:  # a full segment is the last only when nothing follows it
            here = self.handle.tell()
            final = self.handle.read(1) == b""
            self.handle.seek(here)
        try:
            self.pending = self.aead.decrypt(_nonce(self.prefix, self.number), sealed, _aad(self.prefix, final))
        except InvalidTag:
            raise DecryptionError() from None
        self.number += 1
        self.done = final

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.pending and not self.done:
            self._next()
        size = min(len(target), len(self.pending))
        target[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def close(self) -> None:
        self.handle.close()
        super().close()


def open_plain(key: MasterKey | None, path: Path) -> BinaryIO:
    """Open a stored file for reading its plaintext, whether it is encrypted or not."""
    handle = path.open("rb")
    if handle.read(len(MAGIC)) != MAGIC:
        handle.seek(0)
        return handle
    handle.seek(0)
    if key is None:
        handle.close()
        raise EncryptionKeyError(f"{path.name} is encrypted and no LANTAI_ENCRYPTION_KEY_FILE is set",
                                 f"{path.name} 已加密，但未设置 LANTAI_ENCRYPTION_KEY_FILE")
    return io.BufferedReader(DecryptingReader(key, handle), buffer_size=SEGMENT)


def rewrap(path: Path, old: MasterKey, new: MasterKey) -> bool:
    """Re-wrap a file's data key from ``old`` to ``new`` in place (the body is untouched); False if not needed."""
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            return False
        handle.seek(0)
        kid, wrapped, _prefix = read_header(handle)
    if kid == new.kid:
        return False  # done by an earlier, interrupted rotation
    if kid != old.kid:
        raise EncryptionKeyError(f"{path.name} was sealed with neither key", f"{path.name} 不是用这两个密钥之一加密的")
    mode = path.stat().st_mode
    path.chmod(mode | 0o200)
    try:
        fd = os.open(path, os.O_WRONLY)
        try:  # one small write inside the first block: the header is either old or new
            os.pwrite(fd, new.kid + new.wrap(old.unwrap(wrapped)), len(MAGIC))
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        path.chmod(mode)
    return True


KEY_ID_FILE = "encryption_key_id"


def key_for_data_dir(data_dir: Path, key_file: Path | None) -> MasterKey | None:
    """The master key for this data dir, checked at start-up: a wrong or missing key stops Lantai.

    The data dir remembers the id of the key its files are sealed with (``encryption_key_id``),
    so a different key, or none where one is needed, is an error now, not garbage later.
    """
    marker = data_dir / KEY_ID_FILE
    if key_file is None:
        if marker.exists():
            raise EncryptionKeyError(
                f"{data_dir} holds encrypted files; set LANTAI_ENCRYPTION_KEY_FILE to its key",
                f"{data_dir} 中的文件已加密；请将 LANTAI_ENCRYPTION_KEY_FILE 设为其密钥",
            )
        return None
    key = MasterKey.load(key_file)
    if marker.exists():
        if marker.read_text(encoding="ascii").strip() != key.kid.hex():
            raise EncryptionKeyError(
                f"{key_file} is not the key the files in {data_dir} are sealed with",
                f"{key_file} 不是 {data_dir} 中文件所用的加密密钥",
            )
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(key.kid.hex() + "\n", encoding="ascii")
    return key


def remember_key(data_dir: Path, key: MasterKey) -> None:
    """Record ``key`` as the data dir's key (after a rotation)."""
    (data_dir / KEY_ID_FILE).write_text(key.kid.hex() + "\n", encoding="ascii")
