"""Login, logout and the user's own account page (password, API tokens)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from archive.accounts import LoginFailed, LoginLocked, authenticate, create_token, delete_token, set_password
from archive.audit.service import Actor
from archive.catalog.accounts import ApiToken, User
from archive.passwords import MIN_PASSWORD_LENGTH, verify_password
from archive.vocabulary import AuditAction, Outcome
from config.errors import LantaiError
from portal.audit.web import audit_or_refuse, current_actor, where
from portal.auth import client_ip, current_user, lantai, log_in, log_out, login_required
from portal.auth.sessions import purge_expired

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(
        _l("User name"), validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField(_l("Log in"))


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[EqualTo("new", message=_l("The passwords differ"))]
    )
    submit = SubmitField(_l("Change password"))


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Create token"))


class DeleteForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Delete"))


def safe_next(target: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("site.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; on success a new session and back to where the user came from."""
    form = LoginForm()
    error: LantaiError | None = None
    status = 200
    if form.validate_on_submit():
        settings = lantai().settings
        user: User | None = None
        with lantai().catalog.session() as db:
            try:
                user = authenticate(db, form.username.data or "", form.password.data or "", client_ip(), settings)
                db.expunge(user)
                g.user = user  # the audit trail names the user; the session starts only once committed
                audit_or_refuse(db, AuditAction.LOGIN, object_type="user", object_id=user.id,
                                details={"username": user.username})
            except (LoginFailed, LoginLocked) as exc:
                error = exc
                audit_or_refuse(db, AuditAction.LOGIN_FAILED, outcome=Outcome.DENIED,
                                actor=Actor(None, form.username.data, None),
                                details={"username": form.username.data, "reason": exc.code})
            purge_expired(db)
        if user is not None:
            log_in(user)
            return redirect(safe_next(request.args.get("next")))
        assert error is not None  # noqa: S101
        status = error.http_status
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session (POST with CSRF, so no other site can log the user out)."""
    user = current_user()
    if user is not None:
        with lantai().catalog.session() as db:
            audit_or_refuse(db, AuditAction.LOGOUT, object_type="user", object_id=user.id,
                            details={"username": user.username})
    log_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("site.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    """The user's own page: change password, API tokens."""
    user = current_user()
    assert user is not None  # noqa: S101
    form = PasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    new_token: str | None = None
    if form.submit.data and form.validate_on_submit():
        with lantai().catalog.session() as db:
            row = db.get(User, user.id)
            assert row is not None  # noqa: S101
            if not verify_password(row.password_hash, form.current.data or ""):
                form.current.errors = [_("The current password is wrong.")]
            else:
                set_password(db, row, form.new.data or "", actor=current_actor(), where=where())
        if not form.current.errors:
            # set_password ended every session, this one included: log in afresh.
            log_in(user)
            flash(_("Your password was changed."), "success")
            return redirect(url_for("auth.account"))
    elif token_form.submit.data and token_form.validate_on_submit():
        with lantai().catalog.session() as db:
            row = db.get(User, user.id)
            assert row is not None  # noqa: S101
            new_token = create_token(db, row, token_form.name.data or "", actor=current_actor(), where=where())
    with lantai().catalog.session() as db:
        tokens = list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)))
    return render_template(
        "auth/account.html",
        form=form,
        token_form=token_form,
        tokens=tokens,
        new_token=new_token,
        delete_form=DeleteForm(),
    )


@bp.route("/account/tokens/<int:token_id>/delete", methods=["POST"])
@login_required
def token_delete(token_id: int) -> Any:
    """Revoke one of the user's API tokens."""
    user = current_user()
    assert user is not None  # noqa: S101
    with lantai().catalog.session() as db:
        row = db.get(User, user.id)
        assert row is not None  # noqa: S101
        delete_token(db, row, token_id, actor=current_actor(), where=where())
    flash(_("The token was deleted."), "success")
    return redirect(url_for("auth.account"))
