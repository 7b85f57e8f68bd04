"""Names of audit actions, roles and outcomes as the register and the review page show them."""

from __future__ import annotations

from typing import Any

from indexer.catalog.audit import AuditAction, DownloadForm

# (中文, English) for each action; the register shows the Chinese one (利用方式).
ACTION_NAMES: dict[str, tuple[str, str]] = {
    AuditAction.LOGIN: ("登录", "Login"),
    AuditAction.LOGOUT: ("退出", "Logout"),
    AuditAction.LOGIN_FAILED: ("登录失败", "Failed login"),
    AuditAction.SEARCH: ("检索", "Search"),
    AuditAction.RECORD_VIEW: ("查阅", "Record view"),
    AuditAction.PAGE_VIEW: ("查阅页面", "Page view"),
    AuditAction.DOWNLOAD: ("下载", "Download"),
    AuditAction.EXPORT: ("导出", "Export"),
    AuditAction.ACCESS_REQUEST: ("利用申请", "Access request"),
    AuditAction.ACCESS_APPROVE: ("批准利用", "Access approved"),
    AuditAction.ACCESS_DENY: ("拒绝利用", "Access denied"),
    AuditAction.ACCESS_EXPIRE: ("利用到期", "Access expired"),
    AuditAction.USER_CREATE: ("新建用户", "User created"),
    AuditAction.USER_UPDATE: ("修改用户", "User changed"),
    AuditAction.USER_DISABLE: ("停用用户", "User disabled"),
    AuditAction.USER_ENABLE: ("启用用户", "User enabled"),
    AuditAction.USER_DELETE: ("删除用户", "User deleted"),
    AuditAction.ROLE_CHANGE: ("变更角色", "Role changed"),
    AuditAction.PERMISSION_CHANGE: ("变更权限", "Permission changed"),
    AuditAction.PASSWORD_CHANGE: ("修改密码", "Password changed"),
    AuditAction.PASSWORD_RESET: ("重置密码", "Password reset"),
    AuditAction.TOKEN_CREATE: ("创建 API 令牌", "API token created"),
    AuditAction.TOKEN_DELETE: ("删除 API 令牌", "API token deleted"),
    AuditAction.METADATA_EDIT: ("修改著录", "Metadata edit"),
    AuditAction.DELETE: ("删除", "Deletion"),
    AuditAction.SETTINGS_CHANGE: ("修改设置", "Settings changed"),
    AuditAction.AUDIT_EXPORT: ("导出审计日志", "Audit log export"),
    AuditAction.AUDIT_CHECKPOINT: ("审计检查点", "Audit checkpoint"),
    AuditAction.NOTICE_FAILED: ("通知发送失败", "Notice failed"),
}
FORM_NAMES = {DownloadForm.ORIGINAL: "原件", DownloadForm.TEXT: "文本", DownloadForm.STAMPED: "水印件",
              DownloadForm.PRESERVATION: "长期保存格式"}
ROLE_NAMES = {"admin": "管理员", "archivist": "档案员", "researcher": "利用者", "system": "系统"}
OUTCOME_NAMES = {"allowed": "允许", "denied": "拒绝"}


def action_label(action: str, details: dict[str, Any] | None = None, *, english: bool = False) -> str:
    """The action's name; a download names its form, e.g. 下载（原件）."""
    zh, en = ACTION_NAMES.get(action, (action, action))
    form = (details or {}).get("form")
    if action == AuditAction.DOWNLOAD and form:
        return f"{en} ({form})" if english else f"{zh}（{FORM_NAMES.get(form, str(form))}）"
    return en if english else zh


def role_label(role: str | None) -> str:
    """The role's Chinese name; anonymous visitors have none."""
    if role is None:
        return "匿名"
    return ROLE_NAMES.get(role, role)


def outcome_label(outcome: str) -> str:
    """允许 or 拒绝."""
    return OUTCOME_NAMES.get(outcome, outcome)
