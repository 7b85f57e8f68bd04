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
from pathlib import Path

import click

from indexer.context import Lantai
from portal.cli import pass_lantai

log = logging.getLogger(__name__)
SAMPLES_MARKER = "samples-ingested"


def ingest_samples(lantai: Lantai, folder: Path) -> int:
    """Queue the sample documents once per data dir; the number of files queued."""
    from indexer.ingest import new_batch, submit_file
    from indexer.manifest import read_manifest

    marker = lantai.settings.data_dir / SAMPLES_MARKER
    if marker.exists() or not folder.is_dir():
        return 0
    manifest = folder / "manifest.csv"
    rows = (
        [(r.path, r.values) for r in read_manifest(manifest)]
        if manifest.exists()
        else [(p, {"access": "open"}) for p in sorted(folder.iterdir()) if p.is_file() and p.name != "README.md"]
    )
    batch_id = new_batch(lantai, "cli", label="samples")
    for path, values in rows:
        submission = submit_file(lantai, path, metadata=values, batch_id=batch_id, channel="samples")
        click.echo(f"  sample {path.name}: {submission.outcome}")
    marker.write_text("queued\n")
    return len(rows)


DEMO_ACCOUNTS = (
    ("admin", "lantai-admin", "admin"),
    ("archivist", "lantai-archivist", "archivist"),
    ("researcher", "lantai-researcher", "researcher"),
)


def create_demo_accounts(lantai: Lantai) -> list[str]:
    """The README's demo accounts, created when no account exists yet; the names created."""
    from sqlalchemy import func, select

    from indexer.catalog.accounts import User
    from portal.auth.accounts import create_user

    with lantai.catalog.session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
        for username, password, role in DEMO_ACCOUNTS:
            create_user(session, username, password, role)
    return [name for name, _, _ in DEMO_ACCOUNTS]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Portal request threads.")
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
    lantai: Lantai, host: str, port: int, threads: int, samples: Path | None, no_worker: bool, demo_accounts: bool
) -> None:
    """Serve the portal on HOST:PORT with a background worker (Ctrl-C stops both)."""
    from waitress import create_server

    from portal.app import create_app

    app = create_app(lantai.settings)
    worker: subprocess.Popen[bytes] | None = None
    if not no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "portal", "worker"], env=os.environ.copy())
    if demo_accounts and (created := create_demo_accounts(lantai)):
        click.echo("Demo accounts (see README.md): " + ", ".join(created))
    if samples is not None and (queued := ingest_samples(lantai, samples)):
        click.echo(f"Queued {queued} sample documents for processing.")
    server = create_server(app, host=host, port=port, threads=threads)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Lantai is serving on http://{host}:{port}/  (Ctrl-C stops the portal and the worker)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("\nStopping…")
    finally:
        server.close()
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: the running document finishes
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


commands: list[click.Command] = [serve]
