"""Archival description (著录): schema, 档号, extraction, classification, review, import/export."""
