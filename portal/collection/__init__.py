"""Collection and transfer pages (收集、移交与接收) and their API routes."""
