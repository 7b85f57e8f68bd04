"""Staff work: the dashboard of work queues, and the actions on one record (retry, withdraw,
restore, correct a page's text)."""
