"""The built-in extractors, registered explicitly with their priorities (``indexer.extract.base``).

A plug-in extractor is registered the same way (``register(MyExtractor(), priority=10)`` to
win over a built-in one for the same MIME types).
"""

from __future__ import annotations

import threading

from indexer.extract.base import Extractor, register

_done = False
_lock = threading.Lock()


def builtin_extractors() -> list[tuple[Extractor, int]]:
    """Each built-in extractor with its priority (all 0: each reads its own types)."""
    from indexer.extract.archive import ArchiveExtractor
    from indexer.extract.html import HtmlExtractor
    from indexer.extract.images import ImageExtractor
    from indexer.extract.mail import EmailExtractor
    from indexer.extract.media import MediaExtractor
    from indexer.extract.odt import OdtExtractor
    from indexer.extract.ofd import OfdExtractor
    from indexer.extract.office import DocxExtractor, XlsxExtractor
    from indexer.extract.pdf import PdfExtractor
    from indexer.extract.plaintext import PlainTextExtractor

    return [
        (ArchiveExtractor(), 0),
        (HtmlExtractor(), 0),
        (ImageExtractor(), 0),
        (EmailExtractor(), 0),
        (MediaExtractor(), 0),
        (OdtExtractor(), 0),
        (OfdExtractor(), 0),
        (DocxExtractor(), 0),
        (XlsxExtractor(), 0),
        (PdfExtractor(), 0),
        (PlainTextExtractor(), 0),
    ]


def register_builtin() -> None:
    """Register the built-in extractors (the first call registers, later calls do nothing)."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            for extractor, priority in builtin_extractors():
                register(extractor, priority)
            _done = True
