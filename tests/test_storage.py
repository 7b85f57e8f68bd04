"""Write-once storage: content-addressed originals, derivatives apart."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from archive.storage import LocalStorage, sha256_of
from config.errors import NotFoundError


def test_original_is_stored_by_its_sha256_and_read_only(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    source = tmp_path / "in.pdf"
    source.write_bytes(b"%PDF-1.4 archive")
    stored = storage.put_original(source)
    assert stored.sha256 == hashlib.sha256(b"%PDF-1.4 archive").hexdigest() == sha256_of(source)
    assert stored.created and stored.size == len(b"%PDF-1.4 archive")
    path = storage.original_path(stored.key)
    assert path.read_bytes() == b"%PDF-1.4 archive"
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # root may write anyway
    assert path.stat().st_mode & 0o222 == 0


def test_same_bytes_are_stored_once(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    first = storage.put_original(io.BytesIO(b"same"))
    second = storage.put_original(io.BytesIO(b"same"))
    assert first.key == second.key and first.created and not second.created
    assert len(list((tmp_path / "originals").rglob("*"))) == 3  # two folders and one file
    assert not list((tmp_path / "tmp").iterdir())  # no temporary file left behind


def test_derivatives_live_apart_and_can_be_removed(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    original = storage.put_original(io.BytesIO(b"scan"))
    storage.put_derivative("records/1/page-0001.jpg", b"jpeg")
    assert storage.has_derivative("records/1/page-0001.jpg")
    storage.delete_derivatives("records/1")
    assert not storage.has_derivative("records/1/page-0001.jpg")
    assert storage.original_path(original.key).read_bytes() == b"scan"


@pytest.mark.parametrize("key", ["../secret_key", "/etc/passwd", "records/../../x", ""])
def test_keys_cannot_escape_the_store(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(NotFoundError):
        storage.open_derivative(key)
    with pytest.raises(NotFoundError):
        storage.original_path(key)
