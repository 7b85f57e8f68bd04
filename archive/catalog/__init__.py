"""The catalog: the source of truth for records, originals, pages and jobs."""

from __future__ import annotations

from archive.catalog.db import Catalog, upgrade
from archive.catalog.models import Base, Batch, Job, OriginalFile, Page, Record

__all__ = ["Base", "Batch", "Catalog", "Job", "OriginalFile", "Page", "Record", "upgrade"]
