"""Embedded broker candidates for Celery: kombu's SQLAlchemy transport on SQLite vs its
filesystem transport. Publishes and consumes N task-sized JSON messages, from two producer
processes at once (the portal and the CLI both enqueue), and prints a table.

Usage: .venv/bin/python bench/bench_broker.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from multiprocessing import Process
from pathlib import Path

from kombu import Connection


def _url_and_options(kind: str, folder: Path) -> tuple[str, dict[str, object]]:
    if kind == "sqla+sqlite":
        return f"sqla+sqlite:///{folder / 'broker.sqlite3'}", {}
    box = folder / "box"
    box.mkdir(exist_ok=True)
    return "filesystem://", {"data_folder_in": str(box), "data_folder_out": str(box)}


def _produce(kind: str, folder: str, n: int) -> None:
    url, options = _url_and_options(kind, Path(folder))
    with Connection(url, transport_options=options) as conn:
        queue = conn.SimpleQueue("bench")
        for i in range(n):
            queue.put({"task": "lantai.process_document", "args": [f"{i:032x}"]}, serializer="json")
        queue.close()


def run(kind: str, n: int) -> tuple[float, float]:
    """(publish msgs/s with two producers, consume msgs/s with acks)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        producers = [Process(target=_produce, args=(kind, folder, n // 2)) for _ in range(2)]
        for p in producers:
            p.start()
        for p in producers:
            p.join()
        publish = n / (time.perf_counter() - start)
        url, options = _url_and_options(kind, Path(folder))
        with Connection(url, transport_options=options) as conn:
            queue = conn.SimpleQueue("bench")
            start = time.perf_counter()
            for _ in range(n):
                message = queue.get(timeout=10)
                message.ack()
            consume = n / (time.perf_counter() - start)
            queue.close()
        return publish, consume


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"{'transport':<14} {'messages':>8} {'publish/s':>10} {'consume+ack/s':>14}")
    for transport in ("sqla+sqlite", "filesystem"):
        pub, con = run(transport, count)
        print(f"{transport:<14} {count:>8} {pub:>10.0f} {con:>14.0f}")
