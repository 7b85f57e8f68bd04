"""Keeping the archive safe: verified backup and restore, and fixity checks of the originals.

``backup`` writes one consistent copy of what cannot be rebuilt, ``verify`` checks such a copy,
``restore`` brings it back onto an empty data dir and catalog (SQLite or PostgreSQL, either way
round) and proves it, ``fixity`` re-hashes the stored originals against the catalog.
"""
