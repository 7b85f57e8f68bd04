"""Write-once storage: originals content-addressed by SHA-256, derivatives kept apart.

Originals are never modified, and deleted only by an approved destruction
(``lifecycle.destruction``, through ``destroy_original``); derivatives (page images,
thumbnails, extracted text) can be rebuilt from them at any time. The ``Storage``
protocol is small so that object storage can be added beside ``LocalStorage``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from archive.encryption import MasterKey, is_sealed, open_plain, seal_stream
from config.errors import NotFoundError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredOriginal:
    """An original as stored: its key, digest and size; ``created`` is False for known bytes."""

    key: str
    sha256: str
    size: int
    created: bool


class Storage(Protocol):
    """Where originals and derivatives live."""

    def put_original(self, source: Path | BinaryIO) -> StoredOriginal:
        """Store bytes write-once under their SHA-256; known bytes are not stored again."""
        ...

    def open_original(self, key: str) -> BinaryIO:
        """Open a stored original for reading."""
        ...

    def original_path(self, key: str) -> Path:
        """A local path of the original, for tools that need a file name."""
        ...

    def put_derivative(self, key: str, data: bytes) -> None:
        """Store (or replace) a derivative."""
        ...

    def open_derivative(self, key: str) -> BinaryIO:
        """Open a derivative for reading."""
        ...

    def has_derivative(self, key: str) -> bool:
        """Whether a derivative exists."""
        ...

    def delete_derivatives(self, prefix: str) -> None:
        """Remove the derivatives under a prefix (a record's folder)."""
        ...

    def destroy_original(self, key: str) -> bool:
        """Remove an original for good; only an approved destruction (``lifecycle``) calls this."""
        ...


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise NotFoundError(f"Invalid storage key {key!r}", f"无效的存储键 {key!r}")
    return key


class LocalStorage:
    """Storage in folders under the data dir: ``originals/ab/cd/<sha256>`` and ``derivatives/``.

    With a master ``key`` every file is written encrypted (``archive.encryption``) under the
    SHA-256 of its plaintext, and read back decrypted; files written before the key was set
    stay readable as they are.
    """

    def __init__(self, root: Path, key: MasterKey | None = None) -> None:
        self.root = root
        self.key = key
        self.originals = root / "originals"
        self.derivatives = root / "derivatives"
        self.tmp = root / "tmp"
        for folder in (self.originals, self.derivatives, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key_for(sha256: str) -> str:
        """The storage key of an original with this digest."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put_original(self, source: Path | BinaryIO) -> StoredOriginal:
        """Copy to a temporary file while hashing, then move into place read-only."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                stream: BinaryIO
                with _open_source(source) as stream:

                    def chunks() -> Iterator[bytes]:
                        nonlocal size
                        for chunk in iter(lambda: stream.read(CHUNK), b""):
                            digest.update(chunk)
                            size += len(chunk)
                            yield chunk

                    self._write(chunks(), out)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            key = self.key_for(sha)
            target = self.originals / key
            if target.exists():
                return StoredOriginal(key, sha, size, created=False)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o444)
            os.replace(tmp_name, target)
            return StoredOriginal(key, sha, size, created=True)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def original_path(self, key: str) -> Path:
        """The file of a stored original."""
        path = self.originals / _safe_key(key)
        if not path.is_file():
            raise NotFoundError(f"Original {key} is missing from storage", f"存储中缺少原件 {key}")
        return path

    def open_original(self, key: str) -> BinaryIO:
        """Open a stored original for reading its plaintext (decrypted as a stream when encrypted)."""
        return open_plain(self.key, self.original_path(key))

    @contextmanager
    def plain_original(self, key: str) -> Iterator[Path]:
        """A path of the original's plaintext for tools that need a file name: the stored file
        itself, or a decrypted copy in the data dir's scratch folder, removed afterwards."""
        path = self.original_path(key)
        if not is_sealed(path):
            yield path
            return
        with self.temp_dir() as scratch:
            plain = Path(scratch) / path.name
            with open_plain(self.key, path) as src, plain.open("wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
            yield plain

    def link_original(self, key: str, target: Path) -> None:
        """Put the original's plaintext at ``target`` (a scratch path): a link, or a decrypted copy."""
        path = self.original_path(key)
        if not is_sealed(path):
            target.symlink_to(path.resolve())
            return
        with open_plain(self.key, path) as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, CHUNK)

    def original_sha256(self, key: str) -> str:
        """The SHA-256 of the original's plaintext, read from storage."""
        digest = hashlib.sha256()
        with self.open_original(key) as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def _write(self, chunks: Iterator[bytes], out: BinaryIO) -> None:
        if self.key is None:
            for chunk in chunks:
                out.write(chunk)
        else:
            seal_stream(self.key, chunks, out)

    def put_derivative(self, key: str, data: bytes) -> None:
        """Write a derivative atomically (readers never see half a file)."""
        target = self.derivatives / _safe_key(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            self._write(iter([data]), out)
        os.replace(tmp_name, target)

    def derivative_path(self, key: str) -> Path:
        """The file of a derivative."""
        path = self.derivatives / _safe_key(key)
        if not path.is_file():
            raise NotFoundError(f"Derivative {key} is missing", f"缺少派生文件 {key}")
        return path

    def open_derivative(self, key: str) -> BinaryIO:
        """Open a derivative for reading its plaintext."""
        return open_plain(self.key, self.derivative_path(key))

    def has_derivative(self, key: str) -> bool:
        """Whether a derivative exists."""
        return (self.derivatives / _safe_key(key)).is_file()

    def delete_derivatives(self, prefix: str) -> None:
        """Remove a folder of derivatives (never originals)."""
        folder = self.derivatives / _safe_key(prefix)
        shutil.rmtree(folder, ignore_errors=True)

    def destroy_original(self, key: str) -> bool:
        """Remove a stored original (an executed destruction); False when it was already gone."""
        path = self.originals / _safe_key(key)
        if not path.exists():
            return False
        os.chmod(path, 0o644)  # stored read-only
        path.unlink()
        return True

    def temp_dir(self) -> tempfile.TemporaryDirectory[str]:
        """A scratch folder on the same disk as the data, removed when closed."""
        return tempfile.TemporaryDirectory(dir=self.tmp, prefix="work-")


class _open_source:  # a context manager used like a function
    def __init__(self, source: Path | BinaryIO) -> None:
        self.source = source
        self.handle: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        if isinstance(self.source, Path):
            self.handle = self.source.open("rb")
            return self.handle
        return self.source

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Every regular file under the given files and folders, recursively, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.is_symlink() and not child.name.startswith("."):
                    yield child
        elif path.is_file():
            yield path
