"""Nested e-mail (finding 5c of issue 11): messages attached to messages are read once each,
nesting depth and part count are bounded, and a document's time limit is never swallowed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from indexer.extract.base import (
    ExtractContext,
    Extraction,
    ResourceLimitExceeded,
    extractor_for,
    register,
    unregister,
)
from indexer.extract.detect import EML
from indexer.extract.mail import MAX_NESTING, MAX_PARTS


def nested_eml(path: Path, depth: int, *, text: bool = True) -> Path:
    """A message holding a message holding ... ``depth`` levels, each with a line of its own
    unless ``text`` is false (written by hand: the standard library's generator recurses and
    cannot write 200 levels)."""
    message = "Content-Type: text/plain\n\n第0层正文\n"
    for level in range(1, depth + 1):
        own = f"--{level}\nContent-Type: text/plain\n\n第{level}层正文\n" if text else ""
        message = (
            f"Content-Type: multipart/mixed;boundary={level}\n\n{own}"
            f"--{level}\nContent-Type: message/rfc822\n\n{message}\n--{level}--\n"
        )
    path.write_bytes(message.encode("utf-8"))
    return path


def extract(path: Path) -> Extraction:
    """Extract with the registered e-mail extractor."""
    return extractor_for(EML).extract(path, EML, ExtractContext(workdir=path.parent))


@pytest.mark.timeout(60)
def test_two_hundred_nested_messages_are_refused_quickly(tmp_path: Path) -> None:
    path = nested_eml(tmp_path / "bomb.eml", 200, text=False)
    assert path.stat().st_size < 20_000  # the reviewer's was 13 KB
    started = time.monotonic()
    with pytest.raises(ResourceLimitExceeded) as info:
        list(extract(path).pages)
    assert time.monotonic() - started < 30  # before the fix: exponential (depth 14 took 161 s)
    assert f"more than {MAX_NESTING} levels" in info.value.message_en
    assert f"嵌套超过 {MAX_NESTING} 层" in info.value.message_zh


def test_nesting_within_the_bound_reads_each_message_once(tmp_path: Path) -> None:
    depth = MAX_NESTING
    pages = list(extract(nested_eml(tmp_path / "chain.eml", depth)).pages)
    texts = "\n".join(page.text for page in pages)
    for level in range(depth + 1):
        assert texts.count(f"第{level}层正文") == 1, level  # each level once, none repeated
    assert not [page for page in pages if page.error]


def test_too_many_parts_are_refused(tmp_path: Path) -> None:
    boundary = "many"
    parts = "".join(f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n{n}\r\n"
                    for n in range(MAX_PARTS + 1))
    path = tmp_path / "parts.eml"
    path.write_bytes((f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{parts}"
                      f"--{boundary}--\r\n").encode())
    with pytest.raises(ResourceLimitExceeded) as info:
        extract(path)
    assert f"more than {MAX_PARTS} parts" in info.value.message_en


class _SlowAttachment:
    """Fault injection: reading the attachment runs out of the document's time."""

    name: ClassVar[str] = "slow"
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/plain"})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        raise SoftTimeLimitExceeded()


def test_the_soft_time_limit_is_not_swallowed_by_an_attachment(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/html\r\n\r\n<p>body</p>\r\n"
        b"--x\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n"
        b"attached\r\n--x--\r\n"
    )
    plugin = register(_SlowAttachment(), priority=10)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            list(extract(path).pages)
    finally:
        unregister(plugin)
