"""Benchmark of login answers (finding 5g): the time of each kind of refusal, side by side.

    .venv/bin/python bench/bench_login.py [--rounds 15]

Reference, in the same run: a wrong password for a known account (one argon2 check). An unknown
name, a disabled account and a throttled attempt (known or unknown name) should cost the same,
so the time of an answer does not tell whether a name exists (before the fix a locked account
answered in ~16 ms, a wrong password after ~400 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.accounts import LoginFailed, LoginLocked, authenticate
from archive.catalog.accounts import User
from archive.catalog.models import utcnow
from archive.login_throttle import record_failure
from archive.passwords import hash_password
from config.settings import load_settings
from indexer.context import Lantai


def main() -> None:
    """Time each kind of answer ``--rounds`` times; print medians beside the reference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"LANTAI_DATA_DIR": tmp, "LANTAI_LOGIN_MAX_FAILURES": "1"})
        lantai = Lantai(settings)
        lantai.catalog.upgrade()
        with lantai.catalog.session() as db:
            for name, active in (("known", True), ("disabled", False), ("throttled", True)):
                db.add(User(username=name, password_hash=hash_password("a-password-1"), role="researcher",
                            active=active, failed_logins=0))

        def answer(name: str, ip: str) -> tuple[str, float]:
            start = time.perf_counter()
            with lantai.catalog.session() as db:
                try:
                    authenticate(db, name, "wrong-password", ip, settings)
                    code = "ok"
                except (LoginFailed, LoginLocked) as exc:
                    code = exc.code
            return code, (time.perf_counter() - start) * 1000

        with lantai.catalog.session() as db:  # ten recent failures: these names wait the longest backoff
            for name, ip in (("throttled", "10.9.9.9"), ("ghost-unknown", "10.9.9.8")):
                for _ in range(10):
                    record_failure(db, name, ip, utcnow())
        cases = {
            "wrong password, known name (reference)": lambda i: answer("known", f"10.1.{i // 250}.{i % 250}"),
            "unknown name": lambda i: answer("nobody", f"10.2.{i // 250}.{i % 250}"),
            "disabled account": lambda i: answer("disabled", f"10.3.{i // 250}.{i % 250}"),
            "throttled, known name": lambda i: answer("throttled", "10.9.9.9"),
            "throttled, unknown name": lambda i: answer("ghost-unknown", "10.9.9.8"),
        }
        results: dict[str, list[tuple[str, float]]] = {label: [] for label in cases}
        for i in range(rounds):  # interleaved, so a change in the machine's load touches every case alike
            for label, run in cases.items():
                results[label].append(run(i))
        print(f"login answers, median of {rounds} (ms); every line should match the reference")
        for label, found in results.items():
            codes = sorted({code for code, _ in found})
            print(f"  {label:42s} {statistics.median(t for _, t in found):8.1f} ms  {','.join(codes)}")
        lantai.close()


if __name__ == "__main__":
    main()
