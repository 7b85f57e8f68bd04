"""``lantai serve``: the portal and a background worker together, for one machine.

The worker runs as a child process (``lantai worker``); Ctrl-C or SIGTERM stops the portal
and asks the worker for a warm shutdown, so both end cleanly.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from cli.main import pass_lantai
from cli.operator import CLI
from indexer.context import Lantai

log = logging.getLogger(__name__)
SAMPLES_MARKER = "samples-ingested"
COLLECTION_SAMPLES = "collection.yaml"  # departments, starter schedule, demo clerk (collection/samples.py)


def ingest_samples(lantai: Lantai, folder: Path) -> int:
    """Queue the sample documents once per data dir; the number of files queued."""
    from indexer.ingest import new_batch, submit_file
    from indexer.manifest import read_manifest

    marker = lantai.settings.data_dir / SAMPLES_MARKER
    if marker.exists() or not folder.is_dir():
        return 0
    if (folder / COLLECTION_SAMPLES).exists():  # departments first, so the documents' 机构 resolve
        from collection.samples import load_collection_samples

        with lantai.catalog.session() as session:
            loaded = load_collection_samples(session, folder / COLLECTION_SAMPLES, actor=CLI)
        click.echo(f"  departments: {loaded['departments']}, schedule: {loaded['schedule'] or '—'}, "
                   f"clerks: {', '.join(loaded['clerks']) or '—'}")
    manifest = folder / "manifest.csv"
    rows = (
        [(r.path, r.values) for r in read_manifest(manifest)]
        if manifest.exists()
        else [(p, {"access": "open"}) for p in sorted(folder.iterdir())
              if p.is_file() and p.name not in ("README.md", COLLECTION_SAMPLES)]
    )
    batch_id = new_batch(lantai, "cli", label="samples")
    for path, values in rows:
        submission = submit_file(lantai, path, metadata=values, batch_id=batch_id, channel="samples", actor=CLI)
        click.echo(f"  sample {path.name}: {submission.outcome}")
    marker.write_text("queued\n")
    return len(rows)


DEMO_ACCOUNTS = (
    ("admin", "lantai-admin", "admin"),
    ("archivist", "lantai-archivist", "archivist"),
    ("researcher", "lantai-researcher", "researcher"),
    ("clerk", "lantai-clerk", "clerk"),  # 办公室's clerk (samples/collection.yaml)
)


def create_demo_accounts(lantai: Lantai) -> list[str]:
    """The README's demo accounts, created when no account exists yet; the names created."""
    from sqlalchemy import func, select

    from archive.accounts import create_user
    from archive.catalog.accounts import User
    from cli.operator import CLI

    with lantai.catalog.session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
        for username, password, role in DEMO_ACCOUNTS:
            create_user(session, username, password, role, actor=CLI)
    return [name for name, _, _ in DEMO_ACCOUNTS]


def _portal_command(host: str, port: int, processes: int, threads: int) -> list[str]:
    """gunicorn with one process per core: one Python process serves ~60 searches/s at most
    (the GIL; bench/bench_portal.py), so the portal forks, each process with its own app."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(processes),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "portal.app:create_app()",
    ]


def _stop(child: subprocess.Popen[bytes], grace: float) -> None:
    """Ask a child to stop (SIGTERM: a warm shutdown for the worker), then insist."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--processes",
    default=os.cpu_count() or 2,
    show_default="the number of cores",
    type=int,
    help="Portal processes (gunicorn workers).",
)
@click.option("--threads", default=4, show_default=True, type=int, help="Request threads per portal process.")
@click.option(
    "--ingest-samples",
    "samples",
    type=click.Path(path_type=Path),
    help="On first start, ingest the sample documents in this folder.",
)
@click.option("--no-worker", is_flag=True, help="Serve the portal only (a worker runs elsewhere).")
@click.option("--demo-accounts", is_flag=True, help="Create the README's demo accounts when there is no account yet.")
@pass_lantai
def serve(
    lantai: Lantai,
    host: str,
    port: int,
    processes: int,
    threads: int,
    samples: Path | None,
    no_worker: bool,
    demo_accounts: bool,
) -> None:
    """Serve the portal on HOST:PORT with a background worker (Ctrl-C stops both).

    The portal runs under gunicorn and the worker as `lantai worker`, both as child processes
    of this one, which only supervises them: when either ends, or on Ctrl-C or SIGTERM, both stop.
    """
    if demo_accounts and (created := create_demo_accounts(lantai)):
        click.echo("Demo accounts (see README.md): " + ", ".join(created))
    env = {**os.environ, "LANTAI_DATA_DIR": str(lantai.settings.data_dir.resolve())}
    children: dict[str, subprocess.Popen[bytes]] = {}
    if not no_worker:
        children["worker"] = subprocess.Popen([sys.executable, "-m", "cli", "worker"], env=env)
    if samples is not None and (queued := ingest_samples(lantai, samples)):
        click.echo(f"Queued {queued} sample documents for processing.")
    children["portal"] = subprocess.Popen(_portal_command(host, port, processes, threads), env=env)  # noqa: S603  (our own command line)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Lantai is serving on http://{host}:{port}/  (Ctrl-C stops the portal and the worker)")
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        ended = [name for name, child in children.items() if child.poll() is not None]
        click.echo(f"The {' and '.join(ended)} stopped; stopping Lantai.", err=True)
    except KeyboardInterrupt:
        click.echo("\nStopping…")
    finally:
        _stop(children["portal"], grace=15)
        if "worker" in children:
            _stop(children["worker"], grace=60)  # the running document finishes


commands: list[click.Command] = [serve]
