"""User administration: list, create, disable or enable, change role, reset password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from archive.accounts import create_user, set_active, set_password, set_role
from archive.catalog.accounts import User
from archive.catalog.models import Record
from archive.passwords import MIN_PASSWORD_LENGTH
from config.errors import LantaiError, NotFoundError
from portal.audit.web import current_actor, where
from portal.auth import admin_required, current_user, lantai
from portal.i18n import localized
from portal.layout import ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")

SECRET_PAGE_SIZE = 1000

ROLE_CHOICES = [SelectChoice(role, label) for role, label in ROLE_LABELS.items()]


class NewUserForm(FlaskForm):
    """A new account."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=2, max=64)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=128)])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Not an e-mail address")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="researcher")
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)])
    submit = SubmitField(_l("Create user"))


class RoleForm(FlaskForm):
    """Change a role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    submit = SubmitField(_l("Change role"))


class ResetForm(FlaskForm):
    """Set a new password for someone."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)])
    submit = SubmitField(_l("Reset password"))


class ButtonForm(FlaskForm):
    """A button carrying only the CSRF token."""


def _get(db: Any, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundError("No such user", "没有这个用户")
    return user


def _not_self(user_id: int, what: str) -> bool:
    """An administrator may not disable or demote themselves (the last admin could lock all out)."""
    me = current_user()
    if me is not None and me.id == user_id:
        flash(_("You cannot %(what)s your own account.", what=what), "error")
        return False
    return True


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> Any:
    """All accounts, and the form to add one."""
    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            with lantai().catalog.session() as db:
                user = create_user(
                    db,
                    form.username.data or "",
                    form.password.data or "",
                    form.role.data or "researcher",
                    actor=current_actor(),
                    where=where(),
                    display_name=form.display_name.data,
                    email=form.email.data,
                )
                name = user.username
        except LantaiError as exc:
            form.username.errors = [localized(exc)]
            status = 400
        else:
            flash(_("User %(name)s was created.", name=name), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    with lantai().catalog.session() as db:
        rows = list(db.scalars(select(User).order_by(User.username)))
    return (
        render_template(
            "admin/users.html",
            users=rows,
            form=form,
            role_choices=ROLE_CHOICES,
            reset_form=ResetForm(),
            button=ButtonForm(),
        ),
        status,
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_active(user_id: int) -> Any:
    """Disable an active account, or enable a disabled one."""
    if not ButtonForm().validate_on_submit() or not _not_self(user_id, _("disable")):
        return redirect(url_for("admin.users"))
    with lantai().catalog.session() as db:
        user = _get(db, user_id)
        set_active(db, user, not user.active, actor=current_actor(), where=where())
        active, name = user.active, user.username
    flash(
        _("User %(name)s was enabled.", name=name) if active else _("User %(name)s was disabled.", name=name), "success"
    )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def change_role(user_id: int) -> Any:
    """Give an account another role."""
    form = RoleForm()
    if not form.validate_on_submit() or not _not_self(user_id, _("change the role of")):
        return redirect(url_for("admin.users"))
    with lantai().catalog.session() as db:
        user = _get(db, user_id)
        set_role(db, user, form.role.data or "researcher", actor=current_actor(), where=where())
        name = user.username
    flash(_("User %(name)s is now: %(role)s.", name=name, role=ROLE_LABELS[form.role.data or "researcher"]), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def reset_password(user_id: int) -> Any:
    """Set a new password for an account (ends its sessions)."""
    form = ResetForm()
    if not form.validate_on_submit():
        flash(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "error")
        return redirect(url_for("admin.users"))
    with lantai().catalog.session() as db:
        user = _get(db, user_id)
        set_password(db, user, form.password.data or "", actor=current_actor(), where=where())
        name = user.username
    flash(_("The password of %(name)s was reset.", name=name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/secret")
@admin_required
def secret_catalogue() -> Any:
    """Secret (涉密) records as catalogue entries only: never searched, never served online."""
    with lantai().catalog.session() as db:
        rows = list(
            db.scalars(
                select(Record)
                .where(Record.access_level == "secret")
                .order_by(Record.reference_code, Record.id)
                .limit(SECRET_PAGE_SIZE)
            )
        )
    return render_template("admin/secret.html", records=rows, limit=SECRET_PAGE_SIZE)
