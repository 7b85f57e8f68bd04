"""The watched inbox: files that scanners and office systems drop into ``LANTAI_INBOX_DIR``.

A file is taken once its size and modification time have stayed the same for
``inbox_settle_seconds`` (a file still being written is not taken early). Beside each file
the watcher writes ``<name>.lantai.json`` with the record and job, updated to the final
status; a file that failed gets ``<name>.error.txt`` with the reason in Chinese and English.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.audit.service import Actor
from archive.catalog.models import Job, Record
from archive.vocabulary import JobStatus
from config.errors import InputError, LantaiError
from indexer.context import Lantai

log = logging.getLogger(__name__)
INBOX = Actor.system("inbox")  # who files dropped in the watched inbox are recorded as ingested by

REPORT_SUFFIX = ".lantai.json"
ERROR_SUFFIX = ".error.txt"


def report_path(path: Path) -> Path:
    """Where the result of an inbox file is written."""
    return path.with_name(path.name + REPORT_SUFFIX)


def error_path(path: Path) -> Path:
    """Where the error report of an inbox file is written."""
    return path.with_name(path.name + ERROR_SUFFIX)


def unreadable(path: Path, exc: OSError) -> InputError:
    """The error written beside an inbox file the system could not read (the OS's English
    detail stays in the English half)."""
    return InputError(
        f"The file {path.name} cannot be read: {exc.strerror or exc}",
        f"无法读取文件 {path.name}：请检查文件是否完整、是否允许读取，然后重新放入收件目录",
    )


def _is_candidate(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and not path.is_symlink()
        and not name.startswith(".")
        and not name.endswith((REPORT_SUFFIX, ERROR_SUFFIX, ".part", ".tmp", ".crdownload"))
    )


@dataclass
class _Seen:
    size: int
    mtime: float
    since: float


class InboxWatcher:
    """Polls the inbox; ``scan()`` does one pass and is what the thread and tests call."""

    def __init__(self, lantai: Lantai, folder: Path) -> None:
        self.lantai, self.folder = lantai, folder
        self.seen: dict[Path, _Seen] = {}
        self.pending: dict[Path, str] = {}  # file -> job id whose outcome is not written yet
        folder.mkdir(parents=True, exist_ok=True)

    def scan(self, now: float | None = None) -> list[Path]:
        """Take the settled new files, update reports of finished jobs; the files taken."""
        now = time.monotonic() if now is None else now
        settle = self.lantai.settings.inbox_settle_seconds
        taken = []
        for path in sorted(p for p in self.folder.rglob("*") if _is_candidate(p)):
            if report_path(path).exists() or error_path(path).exists():
                continue
            stat = path.stat()
            seen = self.seen.get(path)
            if seen is None or (seen.size, seen.mtime) != (stat.st_size, stat.st_mtime):
                self.seen[path] = _Seen(stat.st_size, stat.st_mtime, now)
                continue
            if now - seen.since < settle:
                continue
            self._take(path)
            taken.append(path)
            self.seen.pop(path, None)
        self._update_reports()
        return taken

    def _take(self, path: Path) -> None:
        from indexer.ingest import new_batch, submit_file

        try:
            batch_id = new_batch(self.lantai, "inbox", label=path.name)
            submission = submit_file(self.lantai, path, batch_id=batch_id, channel="inbox", actor=INBOX)
        except (LantaiError, OSError) as exc:
            message = (exc if isinstance(exc, LantaiError) else unreadable(path, exc)).message
            error_path(path).write_text(message + "\n", encoding="utf-8")
            return
        report = {
            "file": path.name,
            "outcome": submission.outcome,
            "record_id": submission.record_id,
            "job_id": submission.job_id,
            "sha256": submission.sha256,
            "status": "queued",
        }
        if submission.outcome in ("duplicate", "failed"):
            report["status"] = "duplicate" if submission.outcome == "duplicate" else "failed"
        self._write(path, report, submission.error)
        if submission.job_id and submission.outcome in ("queued", "requeued"):
            self.pending[path] = submission.job_id

    def _update_reports(self) -> None:
        for path, job_id in list(self.pending.items()):
            with self.lantai.catalog.session() as session:
                job = session.get(Job, job_id)
                if job is None or job.status not in (JobStatus.DONE, JobStatus.FAILED):
                    continue
                record = session.get(Record, job.record_id) if job.record_id else None
                report = json.loads(report_path(path).read_text(encoding="utf-8"))
                report.update(
                    status=job.status, pages=record.page_count if record else 0, title=record.title if record else None
                )
                error = job.error_message if job.status == JobStatus.FAILED else None
            self._write(path, report, error)
            del self.pending[path]

    @staticmethod
    def _write(path: Path, report: Mapping[str, object], error: str | None) -> None:
        report_path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if error:
            error_path(path).write_text(error + "\n", encoding="utf-8")


class InboxThread(threading.Thread):
    """Runs an ``InboxWatcher`` once a second until stopped."""

    def __init__(self, lantai: Lantai, folder: Path, interval: float = 1.0) -> None:
        super().__init__(daemon=True, name="lantai-inbox")
        self.watcher = InboxWatcher(lantai, folder)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.watcher.scan()
            except Exception:  # one bad pass must not end the inbox
                log.exception("inbox scan failed")

    def stop(self) -> None:
        """End the watcher."""
        self.stopped.set()
