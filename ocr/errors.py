"""The errors of the OCR package: a code and a message in Chinese and English.

``ocr/`` imports nothing of Lantai's other packages, so it has its own error class; the
indexer turns an ``OcrError`` into a ``LantaiError`` where it calls OCR
(``indexer.extract.ocrpages``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class OcrError(Exception):
    """OCR failed on a page, or an engine cannot be used; ``code`` names the reason."""

    code: ClassVar[str] = "ocr_failed"
    http_status: ClassVar[int] = 422
    default_zh: ClassVar[str] = "文字识别失败"
    default_en: ClassVar[str] = "OCR failed"

    def __init__(self, message_en: str | None = None, message_zh: str | None = None, **details: Any) -> None:
        self.message_en = message_en or self.default_en
        self.message_zh = message_zh or self.default_zh
        self.details = details
        super().__init__(self.message_en)

    @property
    def message(self) -> str:
        """Both languages, Chinese first, as Lantai shows errors."""
        return f"{self.message_zh} / {self.message_en}"

    def __str__(self) -> str:
        return self.message


class OcrTimeoutError(OcrError):
    """The engine took longer than the time allowed for one page."""

    code = "ocr_timeout"
    default_zh = "文字识别超时"
    default_en = "OCR timed out"


class OcrLanguageError(OcrError):
    """An OCR language was asked for that is not installed."""

    code = "ocr_language_missing"
    http_status = 400
    default_zh = "未安装所需的文字识别语言"
    default_en = "OCR language not installed"


class OcrEngineUnavailable(OcrError):
    """The OCR engine asked for is unknown, or known but cannot run here."""

    code = "ocr_engine_unavailable"
    http_status = 400
    default_zh = "文字识别引擎不可用"
    default_en = "OCR engine not available"
