"""The forms of the description pages (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from archive.description.schema import EDITABLE_FIELDS
from portal.describe.common import CHOICES, FIELD_LABELS

LONG_FIELDS = ("title", "subject_terms", "note")
CHOICES_RETENTION = {value for value, _label in CHOICES["retention"]}


def choice_list(name: str) -> list[SelectChoice]:
    """The choices of a controlled field, led by an empty one (the field left empty)."""
    return [SelectChoice("", "—"), *(SelectChoice(value, label) for value, label in CHOICES[name])]


def description_field(name: str) -> Field:
    """An unbound form field for one description field; values are checked by the schema, not here."""
    label = FIELD_LABELS[name]
    if name in CHOICES:
        # validate_choice=False: a value outside the list (a configured category) is checked by the schema.
        return SelectField(label, choices=choice_list(name), validate_choice=False)
    if name in LONG_FIELDS:
        return TextAreaField(label, render_kw={"rows": 2})
    return StringField(label)


class DescriptionForm(FlaskForm):
    """Every DA/T 18 field staff may edit on one record (档号 and 件号 are assigned, not edited)."""


for _name in EDITABLE_FIELDS:
    setattr(DescriptionForm, _name, description_field(_name))


def description_values(form: FlaskForm) -> dict[str, Any]:
    """The submitted value of every description field of a form, as text."""
    return {name: (getattr(form, name).data or "") for name in EDITABLE_FIELDS if hasattr(form, name)}


class CorrectForm(FlaskForm):
    """Confirm a suggestion, with the value as suggested or corrected."""

    value = StringField(_l("值"), validators=[Optional(), Length(max=2000)])


class RuleForm(FlaskForm):
    """A classification rule: what it matches and what it assigns."""

    name = StringField(_l("规则名称"), validators=[Optional(), Length(max=200)])
    keywords = StringField(_l("关键词"), validators=[Optional(), Length(max=2000)])
    pattern = StringField(_l("正则表达式"), validators=[Optional(), Length(max=500)])
    issuing_body = StringField(_l("发文机关"), validators=[Optional(), Length(max=200)])
    category_code = SelectField(
        FIELD_LABELS["category_code"], choices=choice_list("category_code"), validate_choice=False
    )
    department_code = StringField(FIELD_LABELS["department_code"], validators=[Optional(), Length(max=32)])
    department = StringField(FIELD_LABELS["department"], validators=[Optional(), Length(max=200)])
    retention = SelectField(FIELD_LABELS["retention"], choices=choice_list("retention"), validate_choice=False)
    priority = IntegerField(_l("优先级"), default=0, validators=[Optional(), NumberRange(min=-1000, max=1000)])
    enabled = BooleanField(_l("启用"), default=True)

    def rule_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``create_rule`` / ``update_rule``."""
        text = {
            name: (getattr(self, name).data or "").strip() or None
            for name in ("name", "keywords", "pattern", "issuing_body", "category_code", "department_code")
        }
        text["department"] = (self.department.data or "").strip() or None
        text["retention"] = self.retention.data or None
        return {
            **text,
            "name": text["name"] or "",
            "priority": self.priority.data or 0,
            "enabled": bool(self.enabled.data),
        }


class ImportForm(FlaskForm):
    """A CSV or XLSX file of descriptions."""

    file = FileField(
        _l("文件"),
        validators=[FileRequired(_l("请选择文件")), FileAllowed(["csv", "xlsx"], _l("只能导入 CSV 或 XLSX 文件"))],
    )


class ExportForm(FlaskForm):
    """Which part of the 归档文件目录 to export (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    fonds = StringField(FIELD_LABELS["fonds_code"], validators=[DataRequired(_l("请填写全宗号")), Length(max=32)])
    year = IntegerField(FIELD_LABELS["year"], validators=[Optional(), NumberRange(min=1000, max=2999)])
    retention = SelectField(FIELD_LABELS["retention"], choices=choice_list("retention"), validate_choice=False)
    format = SelectField(_l("格式"), choices=[SelectChoice("xlsx", "XLSX"), SelectChoice("pdf", "PDF")], default="xlsx")

    def validate_retention(self, field: Field) -> None:
        """Empty (every retention) or one of the retention codes."""
        if field.data and field.data not in CHOICES_RETENTION:
            raise ValidationError(_l("未知的保管期限"))
