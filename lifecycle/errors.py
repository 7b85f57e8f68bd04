"""The errors of the lifecycle workflow: each a message in Chinese and English."""

from __future__ import annotations

from config.errors import ExitCode, InputError


class LifecycleRefused(InputError):
    """A step the record's or the batch's state does not allow (nothing is changed)."""

    code = "lifecycle_refused"
    exit_code = ExitCode.USAGE
    http_status = 409
    default_zh = "当前状态下不能执行此操作"
    default_en = "Not possible in the current state"


class NotYourSignature(InputError):
    """The user may not sign or approve this step (their own proposal, wrong department or role)."""

    code = "not_your_signature"
    exit_code = ExitCode.NO_PERMISSION
    http_status = 403
    default_zh = "无权审批此项"
    default_en = "You may not approve this"
