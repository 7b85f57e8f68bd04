"""Account operations shared by the login page, the user admin page and ``lantai users``.

Login failures are throttled per name and address, and per address, with a backoff
(``archive.login_throttle``); a known and an unknown name get the same answer at the same cost.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive import login_throttle as throttle
from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import ApiToken, User, UserSession
from archive.catalog.models import utcnow
from archive.clock import SYSTEM, Clock
from archive.passwords import MIN_PASSWORD_LENGTH, burn_time, digest, hash_password, needs_rehash, verify_password
from archive.vocabulary import AuditAction, Role
from config.errors import ExitCode, InputError, LantaiError, NotFoundError
from config.settings import Settings

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
TOKEN_PREFIX = "lt_"  # noqa: S105 (a marker, not a secret)


class AccountError(InputError):
    """A user name, role or password that cannot be used."""

    code = "bad_account"


class LoginFailed(LantaiError):
    """Wrong user name or password (deliberately not saying which)."""

    code = "login_failed"
    http_status = 401
    exit_code = ExitCode.NO_PERMISSION
    default_zh = "用户名或密码错误"
    default_en = "Wrong user name or password"


class LoginLocked(LantaiError):
    """Too many failed logins: the account or the address is locked for a while."""

    code = "login_locked"
    http_status = 429
    exit_code = ExitCode.TEMPORARY
    default_zh = "登录失败次数过多，请稍后再试"
    default_en = "Too many failed logins; try again later"


def check_username(username: str) -> str:
    """A valid user name, or ``AccountError``."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountError(
            f"User name {username!r} is not valid: use 2-64 letters, digits or _ . @ -",
            f"用户名 {username!r} 无效：请使用 2–64 个字母、数字或 _ . @ -",
        )
    return username


def check_role(role: str) -> str:
    """A valid role name, or ``AccountError``."""
    if role not in {r.value for r in Role}:
        raise AccountError(
            f"Unknown role {role!r}; use admin, archivist, researcher or clerk",
            f"未知角色 {role!r}；请使用 admin、archivist、researcher 或 clerk",
        )
    return role


def check_password(password: str) -> str:
    """A password long enough, or ``AccountError``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters",
            f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符",
        )
    return password


def get_user(db: Session, username: str) -> User:
    """The user named ``username``, or ``NotFoundError``."""
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFoundError(f"No user named {username!r}", f"没有名为 {username!r} 的用户")
    return user


def _audit(db: Session, action: AuditAction, actor: Actor, user: User, where: Where | None, **details: Any) -> None:
    audit.record(db, action, actor, Target.of("user", user.id), {"username": user.username, **details}, where=where)


def create_user(
    db: Session,
    username: str,
    password: str,
    role: str = Role.RESEARCHER,
    *,
    actor: Actor,
    where: Where | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Add an account (audited as ``actor``); ``AccountError`` if the name is taken or a value is invalid."""
    username = check_username(username)
    check_role(role)
    check_password(password)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"The user name {username!r} is taken", f"用户名 {username!r} 已被使用")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=(display_name or "").strip() or None,
        email=(email or "").strip() or None,
        active=True,
        failed_logins=0,
    )
    db.add(user)
    db.flush()
    _audit(db, AuditAction.USER_CREATE, actor, user, where, role=role)
    return user


def set_password(db: Session, user: User, password: str, *, actor: Actor, where: Where | None = None) -> None:
    """Set a new password, unlock the account and end its sessions.

    Audited as a password change when the user sets their own, else as a reset.
    """
    user.password_hash = hash_password(check_password(password))
    user.failed_logins = 0
    user.locked_until = None
    throttle.forget(db, user.username)
    end_user_sessions(db, user.id)
    own = actor.id is not None and actor.id == user.id
    _audit(db, AuditAction.PASSWORD_CHANGE if own else AuditAction.PASSWORD_RESET, actor, user, where)


def set_role(db: Session, user: User, role: str, *, actor: Actor, where: Where | None = None) -> None:
    """Change a user's role and end their sessions (so the new role applies at once)."""
    old = user.role
    user.role = check_role(role)
    end_user_sessions(db, user.id)
    _audit(db, AuditAction.ROLE_CHANGE, actor, user, where, role=role, old_role=old)


def set_active(db: Session, user: User, active: bool, *, actor: Actor, where: Where | None = None) -> None:
    """Enable or disable an account; disabling ends its sessions and API use."""
    user.active = active
    if not active:
        end_user_sessions(db, user.id)
    else:
        user.failed_logins = 0
        user.locked_until = None
        throttle.forget(db, user.username)
    _audit(db, AuditAction.USER_ENABLE if active else AuditAction.USER_DISABLE, actor, user, where)


def authenticate(
    db: Session, username: str, password: str, ip: str, settings: Settings, clock: Clock = SYSTEM
) -> User:
    """Check a login; the user on success, else ``LoginFailed`` or ``LoginLocked``.

    Every path checks one argon2 hash (the account's or a dummy), so neither the answer nor its
    time tells whether a name exists. The caller commits ``db`` in both cases: failures are
    counted in the catalog.
    """
    now = clock.now()
    name = throttle.login_name(username)
    user = db.scalar(select(User).where(User.username == name))
    known = user is not None and user.active
    if throttle.throttled(db, name, ip, settings, now):
        burn_time(password)
        raise LoginLocked()
    if user is None or not known or not verify_password(user.password_hash, password):
        if not known:
            burn_time(password)
        throttle.record_failure(db, name, ip, now)
        raise LoginFailed()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.forget(db, name, ip)
    throttle.prune(db, settings, now)
    return user


def create_token(db: Session, user: User, name: str, *, actor: Actor, where: Where | None = None) -> str:
    """Make an API token for ``user``; returns the token, shown once (only its digest is kept)."""
    name = name.strip()
    if not name or len(name) > 128:
        raise AccountError("Give the token a name (at most 128 characters)", "请为令牌命名（最多 128 个字符）")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, name=name, token_hash=digest(token), prefix=token[:10]))
    db.flush()
    _audit(db, AuditAction.TOKEN_CREATE, actor, user, where, name=name)
    return token


def user_for_token(db: Session, token: str) -> User | None:
    """The active user owning ``token`` (and mark the token used), or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


def delete_token(db: Session, user: User, token_id: int, *, actor: Actor, where: Where | None = None) -> None:
    """Revoke one of ``user``'s tokens; ``NotFoundError`` if it is not theirs."""
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFoundError("No such token", "没有这个令牌")
    db.delete(row)
    _audit(db, AuditAction.TOKEN_DELETE, actor, user, where, token_id=token_id)


def end_user_sessions(db: Session, user_id: int) -> None:
    """Delete every portal session of a user (password reset, disabling, role change)."""
    db.execute(delete(UserSession).where(UserSession.user_id == user_id))
