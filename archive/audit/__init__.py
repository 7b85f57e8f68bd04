"""The audit trail: a tamper-evident, append-only log of who searched, viewed, downloaded and changed what.

Everything that acts (web, API, command line, worker) calls ``archive.audit.service.record``
in the transaction of the action it records; ``chain`` appends to the hash chain, ``verify``
walks it, ``checkpoint`` signs its head, ``review`` and ``export`` read it back.
"""
