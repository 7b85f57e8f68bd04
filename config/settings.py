"""Settings: one typed object read from ``LANTAI_*`` environment variables over defaults.

Read once, at app or worker start (``load_settings()``), never at import. Every field is
documented by its ``description``; ``tests/test_settings.py`` fails when one is missing
from the README's settings table.
"""

from __future__ import annotations

import os
import secrets
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.errors import ConfigurationError

PREFIX = "LANTAI_"
# Measured: an RGB scan through the image extractor peaks at about 12 bytes a pixel (Pillow's
# 4-byte RGB, its flattened copy, the OCR page); 16 leaves a margin, 512 MiB is the rest of the process.
IMAGE_BYTES_PER_PIXEL = 16
IMAGE_MEMORY_HEADROOM_MB = 512

AccessLevel = Literal["open", "internal", "restricted", "secret"]


class SettingsError(ConfigurationError):
    """A ``LANTAI_*`` variable holds a value Lantai cannot use."""

    code = "bad_setting"


class Settings(BaseModel):
    """All of Lantai's settings; the environment variable is ``LANTAI_`` + the upper-case name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Storage and catalog
    data_dir: Path = Field(Path("./var"), description="Folder for the catalog, originals, derivatives and the embedded index.")
    database_url: str | None = Field(None, description="SQLAlchemy URL of the catalog; default a SQLite file in the data dir. Production: `postgresql+psycopg://user:pass@host/db`.")
    secret_key: str | None = Field(None, description="Key for signing sessions and tokens; default a random key kept in `DATA_DIR/secret_key`.")

    # Background jobs
    broker_url: str | None = Field(None, description="Celery broker; default an embedded broker in files under the data dir (no server). Production: `redis://host:6379/0`.")
    worker_concurrency: int = Field(2, ge=1, le=64, description="Worker processes (one document each); default 2, one per core here.")
    worker_max_tasks_per_child: int = Field(50, ge=1, description="A worker process is replaced after this many tasks, bounding leaks.")
    task_soft_time_limit: int = Field(1800, ge=5, description="Seconds after which a document's processing is asked to stop (soft limit).")
    task_time_limit: int = Field(2100, ge=10, description="Seconds after which a document's worker process is killed (hard limit).")
    task_max_retries: int = Field(2, ge=0, le=10, description="How often a document whose worker crashed is tried again before it is marked failed.")
    job_lease_seconds: int = Field(120, ge=5, description="A running job whose worker sent no heartbeat for this long is handed to another worker.")

    # Search
    search_backend: Literal["embedded", "elasticsearch"] = Field("embedded", description="`embedded` (an index in the data dir) or `elasticsearch`.")
    elasticsearch_url: str | None = Field(None, description="Elasticsearch URL, e.g. `http://localhost:9200`; needed with `SEARCH_BACKEND=elasticsearch`.")
    elasticsearch_index: str = Field("lantai", pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Name (alias) of the Elasticsearch index.")

    # Ingest and OCR
    ocr_languages: str = Field("chi_sim+eng", pattern=r"^[a-z_]+(\+[a-z_]+)*$", description="Tesseract languages for OCR, joined by `+` (`chi_sim`, `chi_tra`, `eng`).")
    ocr_engine: str = Field("tesseract", pattern=r"^[a-z_]+$", description="OCR engine: `tesseract`, `rapidocr` (PP-OCR through ONNX Runtime, models in the wheel) or `auto` (Tesseract, and RapidOCR for pages Tesseract reads with low confidence); a batch may choose its own.")
    inbox_dir: Path | None = Field(None, description="Watched inbox: files dropped here are ingested; unset means no inbox.")
    inbox_settle_seconds: float = Field(2.0, ge=0, description="A file in the inbox is taken once its size has not changed for this long.")
    page_time_limit: int = Field(300, ge=1, description="Seconds allowed for one page's OCR or extraction.")
    document_memory_mb: int = Field(2048, ge=64, description="Memory cap (MiB) of the process working on one document.")
    max_image_pixels: int = Field(100_000_000, ge=1_000_000, description="Images with more pixels are refused before decoding (pixel floods); never more than `DOCUMENT_MEMORY_MB` can decode (about 16 bytes a pixel beyond 512 MiB).")
    max_upload_mb: int = Field(512, ge=1, description="Largest file accepted by upload and the API, in MiB.")
    zip_max_entries: int = Field(10_000, ge=1, description="Most entries a ZIP may hold.")
    zip_max_total_mb: int = Field(4096, ge=1, description="Most bytes (MiB) a ZIP may expand to.")
    pdf_max_stream_mb: int = Field(256, ge=1, description="Decompression budget (MiB) for the streams of one PDF.")
    default_access_level: AccessLevel = Field("internal", description="Access level of a record whose metadata names none: open, internal, restricted or secret.")

    # Portal
    public_search: bool = Field(True, description="Whether anonymous visitors may search and read open records.")
    discovery_fields: str = Field("title,reference_code,date,department", pattern=r"^$|^(title|reference_code|doc_number|creator|department|fonds_code|category_code|date)(,(title|reference_code|doc_number|creator|department|fonds_code|category_code|date))*$", description="Catalogue fields by which researchers find restricted records (never their text, snippets or images), comma-separated from title, reference_code, doc_number, creator, department, fonds_code, category_code, date; empty: restricted records stay out of their search.")
    stamp_downloads: bool = Field(False, description="Stamp downloaded PDFs and images with the user's name and the time.")
    login_max_failures: int = Field(5, ge=1, description="Failed logins of one name from one address before each further attempt waits (15 s, doubling; an address gets 4 times as many across names).")
    login_lockout_minutes: int = Field(15, ge=1, description="How long a failed login counts, and the longest wait it can cause.")
    session_hours: int = Field(12, ge=1, description="Lifetime of a portal session.")
    trusted_proxies: int = Field(0, ge=0, le=5, description="How many reverse proxies in front of the portal set X-Forwarded-For (0: none).")
    smtp_url: str | None = Field(None, description="SMTP server for notices, e.g. `smtp://user:pass@host:587`; unset: no e-mail.")
    portal_url: str | None = Field(None, description="The portal's address as users reach it, e.g. `https://archive.example.edu.cn`, for links in e-mail sent by the worker (search alerts); unset: links are paths.")
    mail_from: str = Field("lantai@localhost", description="Sender address of e-mail notices.")

    # Collection and transfer
    receipt_formats: str = Field("pdf,ofd,tiff,jpeg,png,docx,xlsx,txt,mp3,wav,mp4", pattern=r"^[a-z0-9]+(,[a-z0-9]+)*$", description="Formats accepted for long-term keeping by the receipt check (file families, comma-separated).")
    clamd_url: str | None = Field(None, description="clamd to scan submitted files for viruses, `tcp://host:3310` or `unix:///run/clamav/clamd.ctl`; unset: no virus scan.")
    reminder_days_before: str = Field("7,1", pattern=r"^\d+(,\d+)*$|^$", description="Days before a filing task's due date on which its department's clerks are reminded (comma-separated).")
    reminder_days_after: str = Field("1,7,30", pattern=r"^\d+(,\d+)*$|^$", description="Days after the due date on which an overdue task is reminded again (comma-separated); at most one reminder a day per task.")

    # Appraisal, opening and disposal
    opening_age_years: int = Field(25, ge=1, le=100, description="Years after its filing year at which a record is due for the opening review (开放审核); the Archives Law's 25 by default.")
    opening_defer_years: int = Field(5, ge=1, le=50, description="Years after which a record whose opening was deferred returns to the opening due list, unless the proposal names another period.")
    # Preservation (backup, fixity)
    fixity_cycle_days: int = Field(30, ge=1, le=3650, description="The scheduled fixity check re-hashes every original once in this many days, a share of them each day.")
    fixity_read_mb_per_second: float = Field(20.0, ge=0, description="Most MB per second the scheduled fixity check reads (0: no limit), so it does not crowd out the portal.")
    encryption_key_file: Path | None = Field(None, description="Master key (made by `lantai keys create FILE`) that encrypts originals and derivatives at rest (AES-256-GCM); unset: files are stored in clear. Keep it off the data disk.")
    free_space_warn_percent: float = Field(10.0, ge=0, le=100, description="Admins are warned when the data disk has less than this share of its space free.")

    # Audit and description
    audit_key_file: Path | None = Field(None, description="Ed25519 private key that signs audit checkpoints; keep it outside the data dir in production. Default `DATA_DIR/audit_signing_key.pem`.")
    reference_code_pattern: str = Field("{fonds}-{category}·{year}-{retention}-{department}-{item:04d}", description="Pattern of generated 档号 (DA/T 22 item level).")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")

    @field_validator("database_url", "broker_url", "elasticsearch_url", "smtp_url", "clamd_url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError("must be a URL with a scheme, such as scheme://host")
        return value

    # Derived values -------------------------------------------------------

    @property
    def catalog_url(self) -> str:
        """The catalog's SQLAlchemy URL (SQLite in the data dir by default)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'catalog.sqlite3').resolve()}"

    @property
    def celery_broker_url(self) -> str:
        """The broker URL (kombu's filesystem transport in the data dir by default)."""
        return self.broker_url or "filesystem://"

    @property
    def broker_dir(self) -> Path:
        """Folder of the embedded broker's messages."""
        return (self.data_dir / "broker").resolve()

    @property
    def index_dir(self) -> Path:
        """Folder of the embedded search index."""
        return self.data_dir / "index"

    @property
    def image_pixel_limit(self) -> int:
        """The most pixels an image may have: ``max_image_pixels``, lowered to what the memory cap
        can decode (an image that always runs out of memory is refused up front, with a reason)."""
        fits = (self.document_memory_mb - IMAGE_MEMORY_HEADROOM_MB) * 1024 * 1024 // IMAGE_BYTES_PER_PIXEL
        return max(1_000_000, min(self.max_image_pixels, fits))

    @property
    def ocr_language_list(self) -> list[str]:
        """The OCR languages as a list."""
        return self.ocr_languages.split("+")

    def signing_secret(self) -> str:
        """The secret key, created once and kept in the data dir when not set."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


def env_name(field: str) -> str:
    """The environment variable of a settings field."""
    return PREFIX + field.upper()


def _accepts(field: str) -> str:
    """What a field accepts, in words, for error messages."""
    annotation = Settings.model_fields[field].annotation
    inner = annotation
    if typing.get_origin(annotation) is not Literal:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = args[0] if args else annotation
    if typing.get_origin(inner) is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(inner))
    names = {int: "a whole number", float: "a number", bool: "true or false", Path: "a folder path",
             str: "a URL with a scheme, such as scheme://host" if field.endswith("_url") else "text"}
    return names.get(inner, str(inner)) if isinstance(inner, type) else str(inner)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default ``os.environ``); raise ``SettingsError`` on a bad value."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        raw = env.get(env_name(name))
        if raw is not None and raw.strip() != "":
            values[name] = raw.strip()
    unknown = sorted(k for k in env if k.startswith(PREFIX) and k[len(PREFIX):].lower() not in Settings.model_fields)
    unknown = [k for k in unknown if not k.startswith("LANTAI_TEST_")]
    if unknown:
        raise SettingsError(
            f"Unknown setting {unknown[0]}; see the settings table in README.md",
            f"未知的设置 {unknown[0]}；请参阅 README.md 中的设置表",
        )
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0])
        var = env_name(field)
        raise SettingsError(
            f"{var}={values.get(field)!r} is not valid: {first['msg']}. {var} accepts {_accepts(field)}.",
            f"{var}={values.get(field)!r} 无效：{first['msg']}。{var} 接受{_accepts(field)}。",
        ) from None
    if settings.search_backend == "elasticsearch" and not settings.elasticsearch_url:
        raise SettingsError(
            "LANTAI_SEARCH_BACKEND=elasticsearch needs LANTAI_ELASTICSEARCH_URL (e.g. http://localhost:9200).",
            "LANTAI_SEARCH_BACKEND=elasticsearch 需要设置 LANTAI_ELASTICSEARCH_URL（例如 http://localhost:9200）。",
        )
    if settings.task_time_limit <= settings.task_soft_time_limit:
        raise SettingsError(
            "LANTAI_TASK_TIME_LIMIT must be greater than LANTAI_TASK_SOFT_TIME_LIMIT.",
            "LANTAI_TASK_TIME_LIMIT 必须大于 LANTAI_TASK_SOFT_TIME_LIMIT。",
        )
    return settings
