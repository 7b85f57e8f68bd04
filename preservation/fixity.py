"""Fixity (固定性检查, the integrity part of 四性检测 during storage): re-hash stored originals
against the catalog, and name every failure.

A failure is an original that is missing, cannot be read, or whose SHA-256 differs from the
catalog's; since originals are stored under their SHA-256, a file whose bytes still match its
storage key but not the catalog means the catalog's hash was changed, and the alert says which.
Each failure is an audit event (``fixity_alert``) and, when SMTP is set, an e-mail to the admins;
each run's figures are kept (``fixity_runs``) and shown by ``lantai fixity runs`` and the admin page.
The scheduled pass checks the originals checked longest ago, a share each day, at a bounded read rate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from archive.audit import service as audit_service
from archive.audit.service import Actor, Target
from archive.catalog.accounts import User
from archive.catalog.models import OriginalFile, Record
from archive.catalog.preservation import FixityRun, FixityState
from archive.encryption import DecryptionError
from archive.mail import MailError, send_mail
from archive.storage import CHUNK
from archive.vocabulary import AuditAction, Role
from config.errors import LantaiError
from indexer.context import Lantai

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """Why an original failed, in both languages."""

    en: str
    zh: str


MISSING = Problem("the original is missing from storage", "存储中缺少该原件")
FILE_CHANGED = Problem("the file's SHA-256 differs from the catalog's (the file was changed)",
                       "文件的 SHA-256 与目录记录不符（文件已被改动）")
CATALOG_CHANGED = Problem("the catalog's SHA-256 was changed (the file still matches its storage key)",
                          "目录中的 SHA-256 已被改动（文件仍与其存储键一致）")


class Throttle:
    """Keeps reading under ``mb_per_second`` (0: no limit) by sleeping between chunks."""

    def __init__(
        self, mb_per_second: float, sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = mb_per_second * 1e6
        self.sleep = sleep
        self.monotonic = monotonic
        self.started = monotonic()
        self.done = 0

    def read(self, size: int) -> None:
        """Account for ``size`` bytes read, waiting if ahead of the rate."""
        self.done += size
        if self.rate > 0:
            ahead = self.done / self.rate - (self.monotonic() - self.started)
            if ahead > 0:
                self.sleep(ahead)


def check_one(lantai: Lantai, key: str, sha256: str, throttle: Throttle) -> Problem | None:
    """None when the stored original still has the catalog's SHA-256, else what is wrong."""
    path = lantai.storage.originals / key
    if not path.is_file():
        return MISSING
    digest = hashlib.sha256()
    try:
        with lantai.storage.open_original(key) as handle:  # the plaintext, decrypted when stored encrypted
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
                throttle.read(len(chunk))
    except DecryptionError:
        return FILE_CHANGED
    except OSError as exc:
        return Problem(f"the original cannot be read: {exc.strerror or exc}",
                       "无法读取该原件：请检查存储是否可用、文件权限是否正确")
    except LantaiError as exc:  # sealed under a key this archive does not have
        return Problem(f"the original cannot be read: {exc.message_en}", f"无法读取该原件：{exc.message_zh}")
    found = digest.hexdigest()
    if found == sha256:
        return None
    return CATALOG_CHANGED if key.endswith(found) else FILE_CHANGED


def select_ids(lantai: Lantai, scope: str, *, sample: int | None = None) -> list[int]:
    """The originals a run checks: ``all``; a random ``sample``; ``scheduled``: today's share, oldest check first."""
    with lantai.catalog.session() as session:
        ids = list(session.scalars(select(OriginalFile.id).order_by(OriginalFile.id)))
        if scope == "sample":
            return sorted(secrets.SystemRandom().sample(ids, min(sample or 0, len(ids))))
        if scope != "scheduled":
            return ids
        share = math.ceil(len(ids) / lantai.settings.fixity_cycle_days)
        oldest = (
            select(OriginalFile.id)
            .outerjoin(FixityState, FixityState.original_id == OriginalFile.id)
            .order_by(FixityState.checked_at.is_not(None), FixityState.checked_at, OriginalFile.id)
            .limit(share)
        )
        return list(session.scalars(oldest))


def run_check(
    lantai: Lantai, scope: str, *, actor: Actor, sample: int | None = None, now: dt.datetime | None = None,
    mb_per_second: float = 0.0, progress: Callable[[int], None] | None = None,
) -> FixityRun:
    """Check the chosen originals; the run (kept in the catalog) lists every failure."""
    now = now or dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    throttle = Throttle(mb_per_second)
    run = FixityRun(scope=scope, started_at=now, checked=0, passed=0, failed=0, bytes=0, seconds=0.0, failures=[])
    for original_id in select_ids(lantai, scope, sample=sample):
        with lantai.catalog.session() as session:
            original = session.get(OriginalFile, original_id)
            if original is None:  # deleted meanwhile
                continue
            problem = check_one(lantai, original.storage_key, original.sha256, throttle)
            run.checked += 1
            run.bytes += original.size if problem is None else 0
            state = session.get(FixityState, original_id) or FixityState(original_id=original_id)
            state.checked_at, state.ok = now, problem is None
            session.add(state)
            if problem is None:
                run.passed += 1
            else:
                run.failed += 1
                record = session.get(Record, original.record_id)
                failure = {"record_id": original.record_id, "reference_code": record.reference_code if record else None,
                           "title": record.title if record else None, "key": original.storage_key,
                           "problem_en": problem.en, "problem_zh": problem.zh}
                run.failures.append(failure)
                details = {k: v for k, v in failure.items() if k != "title"}  # titles stay off the trail
                audit_service.record(session, AuditAction.FIXITY_ALERT, actor,
                                     Target.of("original", original.id, record), details)
        if progress is not None:
            progress(1)
    run.seconds = time.perf_counter() - started
    with lantai.catalog.session() as session:
        session.add(run)
        session.flush()
        audit_service.record(session, AuditAction.FIXITY_CHECK, actor, Target("fixity_run", run.id), {
            "scope": scope, "checked": run.checked, "passed": run.passed, "failed": run.failed,
            "bytes": run.bytes, "seconds": round(run.seconds, 2),
        })
    if run.failures:
        notify_admins(lantai, *alert_text(run))
    return run


def alert_text(run: FixityRun) -> tuple[str, str]:
    """Subject and body of the admins' e-mail about a run's failures."""
    subject = f"兰台原件完整性告警：{run.failed} 件 / Lantai fixity alert: {run.failed} originals"
    lines = [
        f"记录 {f['record_id']}（{f['reference_code'] or '—'}）{f['title'] or ''}：{f['problem_zh']} / "
        f"record {f['record_id']}: {f['problem_en']}"
        for f in run.failures
    ]
    return subject, "\n".join(lines)


def notify_admins(lantai: Lantai, subject: str, body: str) -> list[str]:
    """E-mail every active admin with an address (when SMTP is set); the addresses that failed."""
    if not lantai.settings.smtp_url:
        return []
    with lantai.catalog.session() as session:
        addresses = [u.email for u in session.scalars(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True), User.email.is_not(None))
        ) if u.email]
    failed = []
    for address in addresses:
        try:
            send_mail(lantai.settings, address, subject, body)
        except MailError:  # logged by send_mail; the alert stands in the audit trail and on the admin page
            failed.append(address)
    return failed


def free_space(lantai: Lantai) -> tuple[float, bool]:
    """The data disk's free share in percent, and whether it is under the warning threshold."""
    usage = shutil.disk_usage(lantai.settings.data_dir)
    percent = 100.0 * usage.free / usage.total if usage.total else 100.0
    return percent, percent < lantai.settings.free_space_warn_percent


def scheduled_pass(lantai: Lantai, now: dt.datetime) -> str:
    """The worker's daily task: today's share of originals, and the free-space watch."""
    run = run_check(lantai, "scheduled", actor=Actor.system("scheduler"), now=now,
                    mb_per_second=lantai.settings.fixity_read_mb_per_second)
    percent, low = free_space(lantai)
    if low:
        log.warning("data disk %.1f%% free", percent)
        notify_admins(lantai, f"兰台数据盘空间不足：剩余 {percent:.1f}% / Lantai data disk low: {percent:.1f}% free",
                      f"{lantai.settings.data_dir}: {percent:.1f}% free")
    return (f"checked {run.checked}, passed {run.passed}, failed {run.failed}; "
            f"data disk {percent:.1f}% free{' (LOW)' if low else ''}")


def recent_runs(lantai: Lantai, limit: int = 20) -> list[FixityRun]:
    """The latest runs, newest first."""
    with lantai.catalog.session() as session:
        runs = list(session.scalars(select(FixityRun).order_by(FixityRun.id.desc()).limit(limit)))
        session.expunge_all()
        return runs


def never_checked(lantai: Lantai) -> int:
    """How many originals no fixity run has checked yet."""
    with lantai.catalog.session() as session:
        return int(session.scalar(
            select(func.count(OriginalFile.id))
            .outerjoin(FixityState, FixityState.original_id == OriginalFile.id)
            .where(FixityState.original_id.is_(None))
        ) or 0)
