"""The ``lantai`` command: assembles the commands of the core, the pipeline and the portal.

Every command that reads or changes records goes through the same services as the web, with
the operator as the actor (``cli.operator``), so the audit trail and the index follow alike.
"""
