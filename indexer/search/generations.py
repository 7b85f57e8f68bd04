"""Index generations on disk: folder names, atomic pointer files and locks across processes.

``EmbeddedBackend`` keeps each index generation in its own folder and names the live one in
``CURRENT``; these helpers are what makes swapping them safe with several processes.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config.errors import ExitCode, LantaiError


class ReindexRunning(LantaiError):
    """Another process is rebuilding the index."""

    code = "reindex_running"
    exit_code = ExitCode.TEMPORARY
    http_status = 409
    default_zh = "另一个重建索引任务正在运行"
    default_en = "Another reindex is running"



def next_gen(live: str, folder: Path) -> str:
    """The name of the next generation folder after ``live`` and any left in ``folder``."""
    numbers = [int(p.name.split("-")[1]) for p in folder.glob("gen-*") if p.name.split("-")[1].isdigit()]
    return f"gen-{max([*numbers, int(live.split('-')[1])]) + 1:06d}"


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (readers see the old or the new text)."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@contextmanager
def flock(path: Path, blocking: bool = True) -> Iterator[None]:
    """An exclusive lock across processes (released when the process dies, too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ReindexRunning(
                "Another `lantai reindex` is running; wait for it to finish.",
                "另一个 `lantai reindex` 正在运行；请等待其完成。",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
