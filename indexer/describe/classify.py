"""Classification of records into category (门类), department (机构) and retention (保管期限).

Two sources, tried in this order by ``describe_record``:

1. **Rules** staff edit in the portal (``ClassificationRule``): keywords, a regex or an
   issuing body, each naming a category, department and/or retention. Enabled rules are tried
   by descending priority (then id); the first that matches wins. A rule is a person's
   decision, so its values are applied with confidence ``RULE_CONFIDENCE``.
2. **The classifier**: character n-gram TF-IDF and logistic regression, trained on records
   whose category / department a person set or confirmed (``lantai describe train``). It
   suggests a category and a department with the predicted probability as confidence.

The model file lives at ``DATA_DIR/models/description_classifier.joblib``; it is written only
by ``train_classifier`` (joblib uses pickle: never load a model file from elsewhere).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.description import ClassificationRule
from archive.catalog.models import Record, utcnow
from archive.description.provenance import set_by_machine
from archive.description.schema import DescriptionError, Vocabulary, normalize_value
from archive.vocabulary import AuditAction, SuggestionSource
from config.errors import NotFoundError
from config.settings import Settings

if TYPE_CHECKING:  # scikit-learn takes ~0.7 s to import: only training and a saved model need it
    from sklearn.pipeline import Pipeline

RULE_CONFIDENCE = 0.95
MODEL_NAME = "description_classifier.joblib"
RULE_FIELDS = (
    "name",
    "keywords",
    "pattern",
    "issuing_body",
    "category_code",
    "department_code",
    "department",
    "retention",
    "priority",
    "enabled",
)


class RuleError(DescriptionError):
    """A classification rule cannot be saved (bad regex, nothing to match or to assign)."""

    code = "bad_rule"
    default_zh = "分类规则无效"
    default_en = "Invalid classification rule"


class ClassifierError(DescriptionError):
    """The classifier cannot be trained or loaded."""

    code = "classifier"
    default_zh = "分类模型不可用"
    default_en = "Classifier unavailable"


@dataclass(frozen=True)
class ClassSuggestion:
    """A suggested value for one field from a rule or the classifier."""

    field: str
    value: str
    confidence: float
    source: str  # "rule:<id>" or "classifier"


# Rules: CRUD ---------------------------------------------------------------


def _keywords(rule: ClassificationRule) -> list[str]:
    return [k.strip() for k in re.split(r"[,，;；\n]", rule.keywords or "") if k.strip()]


def _check_rule(rule: ClassificationRule, vocabulary: Vocabulary) -> None:
    if not (_keywords(rule) or rule.pattern or rule.issuing_body):
        raise RuleError("A rule needs keywords, a pattern or an issuing body", "规则需要关键词、正则表达式或发文机关")
    if not (rule.category_code or rule.department_code or rule.retention):
        raise RuleError("A rule must set a category, a department or a retention", "规则需指定门类、机构或保管期限")
    if rule.pattern:
        try:
            re.compile(rule.pattern)
        except re.error as exc:
            raise RuleError(
                f"Bad regular expression {rule.pattern!r}: {exc}", f"正则表达式 {rule.pattern!r} 无效"
            ) from exc
    for name in ("category_code", "retention", "department_code"):
        setattr(rule, name, normalize_value(name, getattr(rule, name), vocabulary))
    if not rule.name:
        rule.name = rule.issuing_body or (rule.keywords or rule.pattern or "rule")[:60]


def _audit_rule(
    session: Session, action: AuditAction, rule: ClassificationRule, actor: Actor, where: Where | None, **details: Any
) -> None:
    audit.record(session, action, actor, Target("rule", rule.id), {"name": rule.name, **details}, where=where)


def _rule_values(rule: ClassificationRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def create_rule(
    session: Session, vocabulary: Vocabulary | None = None, *, actor: Actor, where: Where | None = None, **fields: Any
) -> ClassificationRule:
    """Add a rule (audited); ``fields`` are ``RULE_FIELDS``. Raises ``RuleError`` when it cannot work."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise RuleError(
            f"Unknown rule fields: {', '.join(sorted(unknown))}", f"未知的规则字段：{'、'.join(sorted(unknown))}"
        )
    rule = ClassificationRule(priority=0, enabled=True, name="")
    for name, value in fields.items():
        setattr(rule, name, value)
    _check_rule(rule, vocabulary or Vocabulary())
    session.add(rule)
    session.flush()
    _audit_rule(session, AuditAction.RULE_CREATE, rule, actor, where, values=_rule_values(rule))
    return rule


def get_rule(session: Session, rule_id: int) -> ClassificationRule:
    """One rule, or ``NotFoundError``."""
    rule = session.get(ClassificationRule, rule_id)
    if rule is None:
        raise NotFoundError(f"No classification rule {rule_id}", f"分类规则 {rule_id} 不存在")
    return rule


def update_rule(
    session: Session,
    rule_id: int,
    vocabulary: Vocabulary | None = None,
    *,
    actor: Actor,
    where: Where | None = None,
    **changes: Any,
) -> ClassificationRule:
    """Change some fields of a rule (checked as on creation; audited with old and new values)."""
    rule = get_rule(session, rule_id)
    before = _rule_values(rule)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise RuleError(
            f"Unknown rule fields: {', '.join(sorted(unknown))}", f"未知的规则字段：{'、'.join(sorted(unknown))}"
        )
    for name, value in changes.items():
        setattr(rule, name, value)
    _check_rule(rule, vocabulary or Vocabulary())
    rule.updated_at = utcnow()
    session.flush()
    after = _rule_values(rule)
    changed = {name: {"old": before[name], "new": after[name]} for name in after if before[name] != after[name]}
    if changed:
        _audit_rule(session, AuditAction.RULE_CHANGE, rule, actor, where, changes=changed)
    return rule


def delete_rule(session: Session, rule_id: int, *, actor: Actor, where: Where | None = None) -> None:
    """Remove a rule (audited with what it was)."""
    rule = get_rule(session, rule_id)
    _audit_rule(session, AuditAction.RULE_DELETE, rule, actor, where, values=_rule_values(rule))
    session.delete(rule)
    session.flush()


def list_rules(session: Session, enabled_only: bool = False) -> list[ClassificationRule]:
    """The rules in the order they are tried (priority descending, then id)."""
    query = select(ClassificationRule).order_by(ClassificationRule.priority.desc(), ClassificationRule.id)
    if enabled_only:
        query = query.where(ClassificationRule.enabled.is_(True))
    return list(session.scalars(query))


def rule_matches(rule: ClassificationRule, text: str, creator: str | None) -> bool:
    """Whether a rule applies to a record with this title + text and issuing body."""
    if rule.issuing_body and not (creator and rule.issuing_body in creator):
        return False
    if rule.pattern and re.search(rule.pattern, text, re.DOTALL) is None:  # "." spans lines
        return False
    keywords = _keywords(rule)
    return not (keywords and not any(k in text for k in keywords))


def apply_rules(rules: Iterable[ClassificationRule], text: str, creator: str | None) -> list[ClassSuggestion]:
    """The suggestions of the first matching rule (rules in the order they are tried)."""
    for rule in rules:
        if not rule.enabled or not rule_matches(rule, text, creator):
            continue
        source = f"{SuggestionSource.RULE}:{rule.id}"
        return [
            ClassSuggestion(name, value, RULE_CONFIDENCE, source)
            for name in ("category_code", "department_code", "department", "retention")
            if (value := getattr(rule, name))
        ]
    return []


# The fallback -------------------------------------------------------------------

#: Confidence of the fallback: below the review threshold, so a person confirms it.
FALLBACK_CONFIDENCE = 0.6


def fallback_suggestions(record: Record) -> list[ClassSuggestion]:
    """What to suggest when no rule matched and no trained classifier spoke: an official
    document (公文, GB/T 9704) carries a 文号 and belongs to 文书 (WS). Kept below the review
    threshold, so it is queued for staff rather than applied, and never outranks a rule or
    the classifier (a fresh archive has neither, and would otherwise suggest no 门类 at all)."""
    if record.doc_number and not record.category_code:
        return [ClassSuggestion("category_code", "WS", FALLBACK_CONFIDENCE, f"{SuggestionSource.FALLBACK}:doc_number")]
    return []


# The classifier ----------------------------------------------------------------


def record_text(record: Record, limit: int = 3000) -> str:
    """What the classifier reads: issuing body, 文号 prefix, title and the start of the text."""
    body = "".join(page.text for page in record.pages[:2])[:limit]
    return "\n".join(part for part in (record.creator, record.doc_number, record.title, body) if part)


def model_path(settings: Settings) -> Path:
    """Where the trained classifier is kept."""
    return settings.data_dir / "models" / MODEL_NAME


def _pipeline() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(1, 3), min_df=1, sublinear_tf=True, max_features=50_000
                ),
            ),
            ("model", LogisticRegression(max_iter=1000, C=10.0)),
        ]
    )


@dataclass
class Classifier:
    """Trained models for category and department, with department names by code."""

    category: Pipeline | None
    department: Pipeline | None
    department_names: dict[str, str]
    trained_at: str
    samples: int

    def suggest(self, text: str) -> list[ClassSuggestion]:
        """Category and department suggestions for a record's text."""
        out: list[ClassSuggestion] = []
        for name, model in (("category_code", self.category), ("department_code", self.department)):
            if model is None:
                continue
            probabilities = model.predict_proba([text])[0]
            best = int(probabilities.argmax())
            value = str(model.classes_[best])
            out.append(ClassSuggestion(name, value, float(probabilities[best]), SuggestionSource.CLASSIFIER))
            if name == "department_code" and value in self.department_names:
                out.append(
                    ClassSuggestion(
                        "department", self.department_names[value], float(probabilities[best]), "classifier"
                    )
                )
        return out


def training_records(session: Session) -> list[Record]:
    """Records whose category or department a person set or confirmed (not the machine)."""
    records = session.scalars(
        select(Record).where(Record.category_code.is_not(None) | Record.department_code.is_not(None))
    )
    return [r for r in records if not (set_by_machine(r, "category_code") and set_by_machine(r, "department_code"))]


def _fit(texts: Sequence[str], labels: Sequence[str | None]) -> Pipeline | None:
    pairs = [(t, label) for t, label in zip(texts, labels, strict=True) if label]
    if len({label for _t, label in pairs}) < 2:
        return None  # nothing to choose between
    model = _pipeline()
    model.fit([t for t, _l in pairs], [label for _t, label in pairs])
    return model


def train_classifier(session: Session, settings: Settings) -> Classifier:
    """Train on confirmed records and save under the data dir; ``ClassifierError`` if too few."""
    records = training_records(session)
    texts = [record_text(r) for r in records]
    categories = [None if set_by_machine(r, "category_code") else r.category_code for r in records]
    departments = [None if set_by_machine(r, "department_code") else r.department_code for r in records]
    category = _fit(texts, categories)
    department = _fit(texts, departments)
    if category is None and department is None:
        raise ClassifierError(
            f"Too few confirmed records to train on ({len(records)}); "
            "at least two different categories or departments are needed",
            f"已确认的档案太少（{len(records)} 件），至少需要两个不同的门类或机构",
        )
    names = {r.department_code: r.department for r in records if r.department_code and r.department}
    classifier = Classifier(
        category, department, names, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), len(records)
    )
    path = model_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    import joblib

    joblib.dump(classifier, temporary)
    temporary.replace(path)  # readers never see a half-written model
    return classifier


_loaded: dict[Path, tuple[float, Classifier]] = {}


def load_classifier(settings: Settings) -> Classifier | None:
    """The trained classifier, or None before the first ``lantai describe train``.

    Kept in memory per process and reloaded when the file changes (after a retrain).
    """
    path = model_path(settings)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _loaded.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        import joblib

        classifier = joblib.load(path)
    except Exception as exc:  # a damaged or incompatible file: say so instead of crashing ingest
        raise ClassifierError(
            f"Cannot load the classifier {path}: {exc}; run `lantai describe train`",
            f"无法加载分类模型 {path}；请运行 `lantai describe train`",
        ) from exc
    if not isinstance(classifier, Classifier):
        raise ClassifierError(f"{path} is not a Lantai classifier", f"{path} 不是兰台的分类模型")
    _loaded[path] = (mtime, classifier)
    return classifier
