"""Audit actions, roles and outcomes as the 利用登记 and the review page show them (from the vocabulary)."""

from __future__ import annotations

from typing import Any

from archive.vocabulary import AuditAction, DownloadForm, Outcome, Role, Term


def _label(vocabulary: type[Term], value: str, english: bool) -> str:
    try:
        return vocabulary(value).label("en" if english else "zh")
    except ValueError:
        return value


def action_label(action: str, details: dict[str, Any] | None = None, *, english: bool = False) -> str:
    """The action's name; a download names its form, e.g. 下载（原件）."""
    name = _label(AuditAction, action, english)
    form = (details or {}).get("form")
    if action == AuditAction.DOWNLOAD and form:
        shown = _label(DownloadForm, str(form), english)
        return f"{name} ({shown})" if english else f"{name}（{shown}）"
    return name


def role_label(role: str | None, *, english: bool = False) -> str:
    """The role's name; anonymous visitors have none, system actors are the system."""
    if role is None:
        return "Anonymous" if english else "匿名"
    if role == "system":
        return "System" if english else "系统"
    return _label(Role, role, english)


def outcome_label(outcome: str, *, english: bool = False) -> str:
    """允许 or 拒绝 (Allowed or Denied)."""
    return _label(Outcome, outcome, english)
