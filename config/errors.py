"""The one exception base of Lantai: every error a user can see carries a code and a
message in Chinese and English, plus the exit status and HTTP status it maps to."""

from __future__ import annotations

from typing import Any, ClassVar


class LantaiError(Exception):
    """Base of all errors shown to users; subclasses set ``code`` and the default messages."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500
    default_zh: ClassVar[str] = "处理失败"
    default_en: ClassVar[str] = "Processing failed"

    def __init__(self, message_en: str | None = None, message_zh: str | None = None, **details: Any) -> None:
        self.message_en = message_en or self.default_en
        self.message_zh = message_zh or self.default_zh
        self.details = details
        super().__init__(self.message_en)

    @property
    def message(self) -> str:
        """Both languages, Chinese first, as shown on a record, in the CLI and in logs."""
        return f"{self.message_zh} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by the API and stored on records and jobs."""
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}

    def __str__(self) -> str:
        return self.message


class ConfigurationError(LantaiError):
    """A setting or the environment is not usable; start-up stops."""

    code = "configuration"
    exit_code = 78  # EX_CONFIG
    default_zh = "配置错误"
    default_en = "Configuration error"


class NotFoundError(LantaiError):
    """The requested object does not exist (or the caller may not know it exists)."""

    code = "not_found"
    exit_code = 66
    http_status = 404
    default_zh = "未找到"
    default_en = "Not found"


class InputError(LantaiError):
    """The caller supplied a value that cannot be used."""

    code = "bad_input"
    exit_code = 2
    http_status = 400
    default_zh = "输入无效"
    default_en = "Invalid input"
