"""Archival description pages (著录): review queue, record form, rules, batch editing, import/export."""
