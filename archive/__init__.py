"""The domain core of Lantai: the catalog, its vocabulary, the access policy, accounts and the audit trail.

Everything above it (the pipeline in ``indexer/``, the portal in ``portal/``, the commands in
``cli/``) works through these; this package imports nothing of ours but ``config/``.
"""
