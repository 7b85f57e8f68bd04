"""The one exception base of Lantai: every error a user can see carries a code and a
message in Chinese and English, plus the exit status and HTTP status it maps to."""

from __future__ import annotations

import enum
import re
from typing import Any, ClassVar


class ExitCode(enum.IntEnum):
    """Exit statuses of the ``lantai`` command (the BSD ``sysexits`` numbers where one fits)."""

    OK = 0
    FAILED = 1  # the command ran, and some of its work failed (a file, a row, a check)
    USAGE = 2  # bad input: an option, a value, a file that cannot be used
    NOT_FOUND = 66  # EX_NOINPUT: a record, user or file named does not exist
    TEMPORARY = 75  # EX_TEMPFAIL: try again later (audit log, index busy)
    NO_PERMISSION = 77  # EX_NOPERM
    CONFIGURATION = 78  # EX_CONFIG: a setting is wrong


# A file inside a job's work folder (``DATA_DIR/tmp/work-…/original/名称.pdf``), as a library's
# own message names it: the user knows the file by its name, never by where a worker put it.
_WORK_PATH = re.compile(r"""[^\s'"“”‘’()（）\[\]<>:：,，]*/work-[^/\s'"“”]+/(?:[^/\s'"“”]+/)*""")


def without_work_paths(message: str) -> str:
    """``message`` with every work-folder path cut down to the file's name."""
    return _WORK_PATH.sub("", message)


SEPARATOR = " / "  # between the Chinese and the English half of a stored message


def message_halves(message: str) -> tuple[str, str]:
    """The Chinese and the English half of a stored "中文 / English" message; a message without
    the separator (a library's own words) is both halves."""
    zh, sep, en = message.partition(SEPARATOR)
    return (zh, en) if sep else (message, message)


class LantaiError(Exception):
    """Base of all errors shown to users; subclasses set ``code`` and the default messages."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = ExitCode.FAILED
    http_status: ClassVar[int] = 500
    default_zh: ClassVar[str] = "处理失败"
    default_en: ClassVar[str] = "Processing failed"

    def __init__(self, message_en: str | None = None, message_zh: str | None = None, **details: Any) -> None:
        self.message_en = without_work_paths(message_en or self.default_en)
        self.message_zh = without_work_paths(message_zh or self.default_zh)
        self.details = details
        super().__init__(self.message_en)

    @property
    def message(self) -> str:
        """Both languages, Chinese first, as shown on a record, in the CLI and in logs."""
        return f"{self.message_zh}{SEPARATOR}{self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by the API and stored on records and jobs."""
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}

    def __str__(self) -> str:
        return self.message


class ConfigurationError(LantaiError):
    """A setting or the environment is not usable; start-up stops."""

    code = "configuration"
    exit_code = ExitCode.CONFIGURATION
    default_zh = "配置错误"
    default_en = "Configuration error"


class NotFoundError(LantaiError):
    """The requested object does not exist (or the caller may not know it exists)."""

    code = "not_found"
    exit_code = ExitCode.NOT_FOUND
    http_status = 404
    default_zh = "未找到"
    default_en = "Not found"


class InputError(LantaiError):
    """The caller supplied a value that cannot be used."""

    code = "bad_input"
    exit_code = ExitCode.USAGE
    http_status = 400
    default_zh = "输入无效"
    default_en = "Invalid input"
