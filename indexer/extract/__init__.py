"""Extractors: turn an original file into pages of text (and page images), by MIME type."""
