"""The one Celery app of Lantai and its configuration from the settings.

The app is created bare at import and configured at worker or app start
(``configure_celery``). Messages are JSON, tasks take ids and are idempotent, and the
catalog's ``jobs`` table, not the broker, is the source of truth about progress: a job whose
worker died is handed out again by the lease reaper (``indexer/lease.py``) on any broker.
"""

from __future__ import annotations

from celery import Celery

from config.settings import Settings

celery_app = Celery("lantai", set_as_current=False)
QUEUE = "lantai"
PROCESS_DOCUMENT = "lantai.process_document"  # the task (indexer.tasks), sent by name


def broker_transport_options(settings: Settings) -> dict[str, object]:
    """Transport options; Redis's visibility timeout stays above the hard time limit."""
    url = settings.celery_broker_url
    if url == "filesystem://":
        # Measured (bench/bench_broker.py): ~30x the throughput of the SQLAlchemy transport
        # on SQLite; both lose an unacked message to a SIGKILL, which the lease reaper covers.
        folder, control = settings.broker_dir / "queue", settings.broker_dir / "control"
        folder.mkdir(parents=True, exist_ok=True)
        control.mkdir(parents=True, exist_ok=True)  # else kombu writes it in the working directory
        return {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(control)}
    if url.startswith(("redis://", "rediss://")):
        # A message unacknowledged for this long is delivered again: it must outlast the
        # longest task (the hard limit), or a slow document would run twice at once.
        return {"visibility_timeout": settings.task_time_limit + 300}
    return {}


def configure_celery(settings: Settings) -> Celery:
    """Configure the Celery app for these settings and return it."""
    options = broker_transport_options(settings)
    if celery_app.configured and (celery_app.conf.broker_url, celery_app.conf.broker_transport_options) != (
        settings.celery_broker_url,
        options,
    ):
        # Connection pools were made for the previous broker: drop them.
        celery_app.close()
        celery_app.amqp._producer_pool = None
    celery_app.conf.update(
        broker_url=settings.celery_broker_url,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        result_backend=None,  # results live in the catalog's jobs table
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        task_default_queue=QUEUE,
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child,
        worker_prefetch_multiplier=1,  # one document at a time per process: fair and crash-safe
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=False,
        worker_enable_remote_control=url_supports_broadcast(settings.celery_broker_url),
        include=["indexer.tasks"],
    )
    return celery_app


def url_supports_broadcast(url: str) -> bool:
    """Remote control (ping, inspect) needs fanout, which the embedded transports lack."""
    return not url.startswith(("sqla+", "filesystem:"))


def dispatch_job(settings: Settings, job_id: str) -> None:
    """Send an ingest job to the workers through the configured broker.

    The task is sent by name, so whoever submits (the CLI, the portal, the inbox, the pipeline
    for a ZIP's entries) needs the broker, never the worker's code.
    """
    configure_celery(settings).send_task(PROCESS_DOCUMENT, args=[job_id], queue=QUEUE)
