"""The portal's side of the audit trail: request facts for events (``web``), the review pages and
exports for administrators (``views``). The trail itself is ``archive.audit``."""
