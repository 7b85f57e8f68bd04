"""The user admin page (administrators only)."""
