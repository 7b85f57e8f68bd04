"""Imports every built-in extractor module so each registers itself."""

from __future__ import annotations
import indexer.extract.plaintext  # noqa: F401, E402
import indexer.extract.html  # noqa: F401, E402
import indexer.extract.office  # noqa: F401, E402
import indexer.extract.odt  # noqa: F401, E402
import indexer.extract.ofd  # noqa: F401, E402
import indexer.extract.mail  # noqa: F401, E402
import indexer.extract.media  # noqa: F401, E402
import indexer.extract.pdf  # noqa: F401, E402
import indexer.extract.images  # noqa: F401, E402
import indexer.extract.archive  # noqa: F401, E402
