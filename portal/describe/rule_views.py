"""Classification rules staff edit: keywords, a pattern or an issuing body to category, department, retention."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from config.errors import InputError
from indexer.describe.classify import RULE_FIELDS, create_rule, delete_rule, get_rule, list_rules, update_rule
from portal.audit.web import current_actor, where
from portal.auth import lantai, staff_required
from portal.describe.common import ButtonForm, bilingual, bp
from portal.describe.forms import RuleForm


def _rows() -> list[dict[str, Any]]:
    with lantai().catalog.session() as db:
        return [{"id": rule.id, **{c: getattr(rule, c) for c in RULE_FIELDS}} for rule in list_rules(db)]


@bp.route("/rules", methods=["GET", "POST"])
@staff_required
def rules() -> Any:
    """All rules in the order they are tried, and the form to add one."""
    form = RuleForm()
    error: str | None = None
    status = 200
    if form.validate_on_submit():
        try:
            with lantai().catalog.session() as db:
                rule = create_rule(db, actor=current_actor(), where=where(), **form.rule_fields())
                name = rule.name
        except InputError as exc:
            error, status = bilingual(exc), 400
        else:
            flash(_("已添加规则“%(name)s”。", name=name), "success")
            return redirect(url_for("describe.rules"), 303)
    elif form.is_submitted():
        status = 400
    return render_template("describe/rules.html", rules=_rows(), form=form, error=error, button=ButtonForm()), status


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@staff_required
def edit_rule(rule_id: int) -> Any:
    """Change one rule."""
    with lantai().catalog.session() as db:
        rule = get_rule(db, rule_id)
        current = {c: getattr(rule, c) for c in RULE_FIELDS}
    form = RuleForm(data=current)
    error: str | None = None
    status = 200
    if form.validate_on_submit():
        try:
            with lantai().catalog.session() as db:
                update_rule(db, rule_id, actor=current_actor(), where=where(), **form.rule_fields())
        except InputError as exc:
            error, status = bilingual(exc), 400
        else:
            flash(_("规则已保存。"), "success")
            return redirect(url_for("describe.rules"), 303)
    elif form.is_submitted():
        status = 400
    return render_template("describe/rule_edit.html", form=form, rule_id=rule_id, error=error), status


@bp.post("/rules/<int:rule_id>/toggle")
@staff_required
def toggle_rule(rule_id: int) -> Any:
    """Enable a disabled rule or disable an enabled one."""
    if ButtonForm().validate_on_submit():
        with lantai().catalog.session() as db:
            rule = get_rule(db, rule_id)
            update_rule(db, rule_id, actor=current_actor(), where=where(), enabled=not rule.enabled)
            enabled = rule.enabled
        flash(_("规则已启用。") if enabled else _("规则已停用。"), "success")
    return redirect(url_for("describe.rules"), 303)


@bp.post("/rules/<int:rule_id>/delete")
@staff_required
def remove_rule(rule_id: int) -> Any:
    """Delete a rule (values it already set on records stay)."""
    if ButtonForm().validate_on_submit():
        with lantai().catalog.session() as db:
            delete_rule(db, rule_id, actor=current_actor(), where=where())
        flash(_("规则已删除。"), "success")
    return redirect(url_for("describe.rules"), 303)
