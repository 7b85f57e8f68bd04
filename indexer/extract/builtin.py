"""Imports every built-in extractor module so each registers itself."""

from __future__ import annotations

import indexer.extract.archive
import indexer.extract.html
import indexer.extract.images
import indexer.extract.mail
import indexer.extract.media
import indexer.extract.odt
import indexer.extract.ofd
import indexer.extract.office
import indexer.extract.pdf
import indexer.extract.plaintext  # noqa: F401
