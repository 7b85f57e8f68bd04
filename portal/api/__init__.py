"""The JSON API under ``/api/v1``: search, records, pages, downloads, upload, jobs, access requests."""
