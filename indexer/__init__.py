"""Lantai's indexer: the ingest pipeline, the catalog, storage, search backends and jobs."""
