"""The one vocabulary of Lantai: every controlled term with its Chinese and English labels
and the aliases an import, a form or the command line may use for it.

Each vocabulary is a ``Term`` enum: the member's value is what the catalog stores, ``zh`` and
``en`` are what people read, and ``Term.parse`` accepts the value, either label or an alias
(case and full-width forms ignored), raising ``UnknownTerm`` with both languages otherwise.
The 门类 (categories) are a configurable table rather than an enum: an archive may add its
own (``archive/description/schema.load_vocabulary``); ``CATEGORIES`` is the standard set.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from config.errors import InputError

T = TypeVar("T")


class UnknownTerm(InputError):
    """A value that is not a term of the vocabulary it was given for."""

    code = "unknown_term"
    default_zh = "不在词表中的值"
    default_en = "Not a known value"


def fold(value: object) -> str:
    """The form terms are compared in: NFKC (full-width to half-width), stripped, lower case."""
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


_NAMES: dict[str, tuple[str, str]] = {}


def named(zh: str, en: str) -> Callable[[type[T]], type[T]]:
    """Give a vocabulary its (中文, English) name, used in error messages."""

    def decorate(cls: type[T]) -> type[T]:
        _NAMES[cls.__name__] = (zh, en)
        return cls

    return decorate


class Term(enum.StrEnum):
    """A controlled term: the stored value, Chinese and English labels, and import aliases.

    Members are declared as ``NAME = value, 中文, English, *aliases``.
    """

    zh: str
    en: str
    aliases: tuple[str, ...]

    def __new__(cls, value: str, zh: str = "", en: str = "", *aliases: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh or value
        member.en = en or value
        member.aliases = aliases
        return member

    def label(self, language: str = "zh") -> str:
        """The label in ``language`` (``zh`` or ``en``)."""
        return self.en if language.startswith("en") else self.zh

    @classmethod
    def vocabulary_name(cls) -> tuple[str, str]:
        """(中文, English) name of the vocabulary, for messages."""
        return _NAMES.get(cls.__name__, (cls.__name__, cls.__name__))

    @classmethod
    def lookup(cls) -> dict[str, Self]:
        """Every accepted spelling (folded) -> member."""
        table: dict[str, Self] = {}
        for member in cls:
            for spelling in (member.value, member.zh, member.en, *member.aliases):
                table.setdefault(fold(spelling), member)
        return table

    @classmethod
    def parse(cls, value: object) -> Self:
        """The member ``value`` names (value, label or alias); ``UnknownTerm`` otherwise."""
        found = cls.lookup().get(fold(value))
        if found is None:
            zh_name, en_name = cls.vocabulary_name()
            raise UnknownTerm(
                f"Unknown {en_name} {str(value)!r}; use one of {', '.join(f'{m.value} ({m.en})' for m in cls)}",
                f"未知的{zh_name} {str(value)!r}；可用：{'、'.join(f'{m.zh}({m.value})' for m in cls)}",
            )
        return found

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """Every stored value, in declaration order."""
        return tuple(m.value for m in cls)


@named("访问级别", "access level")
class AccessLevel(Term):
    """访问级别: what the portal enforces (see ``archive.access``), from least to most strict."""

    OPEN = "open", "公开", "Open", "开放"
    INTERNAL = "internal", "内部", "Internal"
    RESTRICTED = "restricted", "受控", "Restricted", "控制"
    SECRET = "secret", "涉密", "Secret", "秘密", "机密", "绝密"

    @property
    def rank(self) -> int:
        """0 (open) to 3 (secret): a higher rank shows the record to fewer people."""
        return list(AccessLevel).index(self)

    @classmethod
    def stricter(cls, first: AccessLevel | str, second: AccessLevel | str) -> AccessLevel:
        """The stricter of two levels."""
        a, b = cls(first), cls(second)
        return a if a.rank >= b.rank else b


@named("保管期限", "retention period")
class Retention(Term):
    """保管期限 (DA/T 22): permanent, 30 years, 10 years."""

    PERMANENT = "Y", "永久", "Permanent", "permanent", "永久保存"
    YEARS_30 = "D30", "定期30年", "30 years", "30年", "30", "长期", "30 years"
    YEARS_10 = "D10", "定期10年", "10 years", "10年", "10", "短期"

    @property
    def years(self) -> int | None:
        """How many years the record is kept; None for permanent."""
        return None if self is Retention.PERMANENT else int(self.value[1:])


@named("密级", "classification")
class Classification(Term):
    """密级: the security classification as written on the document."""

    PUBLIC = "公开", "公开", "Public", "public", "无", "非密"
    INTERNAL = "内部", "内部", "Internal", "internal", "内部资料"
    SECRET = "秘密", "秘密", "Secret", "secret"
    CONFIDENTIAL = "机密", "机密", "Confidential", "confidential"
    TOP_SECRET = "绝密", "绝密", "Top secret", "top secret", "top_secret"

    @property
    def is_secret(self) -> bool:
        """秘密, 机密 and 绝密: never served online."""
        return self in SECRET_CLASSIFICATIONS


SECRET_CLASSIFICATIONS = frozenset({Classification.SECRET, Classification.CONFIDENTIAL, Classification.TOP_SECRET})


@named("开放标识", "openness")
class Openness(Term):
    """开放标识: whether a public record is open to everyone or controlled."""

    OPEN = "开放", "开放", "Open", "open"
    CONTROLLED = "控制", "控制", "Controlled", "controlled", "受控", "不开放"


@named("载体形态", "carrier")
class Carrier(Term):
    """载体形态."""

    PAPER = "纸质", "纸质", "Paper", "paper", "纸"
    PHOTO = "照片", "照片", "Photo", "photo", "photograph"
    AUDIO = "录音", "录音", "Audio", "audio"
    VIDEO = "录像", "录像", "Video", "video"
    ELECTRONIC = "电子", "电子", "Electronic", "electronic", "电子文件"


@named("处理状态", "status")
class RecordStatus(Term):
    """Processing state of a record."""

    PENDING = "pending", "排队中", "Queued"
    PROCESSING = "processing", "处理中", "Processing"
    DONE = "done", "已完成", "Done"
    FAILED = "failed", "失败", "Failed"


@named("任务状态", "job status")
class JobStatus(Term):
    """State of a background job."""

    QUEUED = "queued", "排队中", "Queued"
    RUNNING = "running", "运行中", "Running"
    DONE = "done", "已完成", "Done"
    FAILED = "failed", "失败", "Failed"


@named("文本来源", "text source")
class PageSource(Term):
    """Where a page's text came from."""

    TEXT_LAYER = "text_layer", "PDF 文本层", "PDF text layer"
    OCR = "ocr", "文字识别", "OCR"
    ELECTRONIC = "electronic", "电子文件文本", "Electronic text"
    NONE = "none", "无文本", "No text"


@named("角色", "role")
class Role(Term):
    """A portal role; anonymous visitors have no account and no role."""

    ADMIN = "admin", "管理员", "Administrator", "administrator"
    ARCHIVIST = "archivist", "档案员", "Archivist", "staff"
    RESEARCHER = "researcher", "利用者", "Researcher"
    CLERK = "clerk", "部门兼职档案员", "Department clerk", "部门档案员", "兼职档案员", "department clerk"


STAFF_ROLES = frozenset({Role.ADMIN.value, Role.ARCHIVIST.value})


@named("申请状态", "request status")
class RequestStatus(Term):
    """State of an access request (利用申请)."""

    PENDING = "pending", "待审批", "Pending"
    APPROVED = "approved", "已批准", "Approved"
    DENIED = "denied", "已拒绝", "Denied"


@named("结果", "outcome")
class Outcome(Term):
    """Whether an audited action was carried out."""

    ALLOWED = "allowed", "允许", "Allowed"
    DENIED = "denied", "拒绝", "Denied"


@named("下载形式", "download form")
class DownloadForm(Term):
    """Which form of a record a download delivered."""

    ORIGINAL = "original", "原件", "Original"
    TEXT = "text", "文本", "Text"
    STAMPED = "stamped", "水印件", "Stamped copy"
    PRESERVATION = "preservation_copy", "长期保存格式", "Preservation copy (PDF/A)"  # 双层 PDF


@named("审计事件", "audit action")
class AuditAction(Term):
    """What an audit event records; the value is stored, the labels are the 利用登记's 利用方式."""

    LOGIN = "login", "登录", "Login"
    LOGOUT = "logout", "退出", "Logout"
    LOGIN_FAILED = "login_failed", "登录失败", "Failed login"
    SEARCH = "search", "检索", "Search"  # details: query, filters, hits
    RECORD_VIEW = "record_view", "查阅", "Record view"
    RECORD_HIDDEN = "record_hidden", "查阅不可见档案", "Hidden record asked for"  # a 404 for an existing record
    PAGE_VIEW = "page_view", "查阅页面", "Page view"  # details: page number
    DOWNLOAD = "download", "下载", "Download"  # details: file, form
    EXPORT = "export", "导出", "Export"  # details: what, rows, format
    ACCESS_REQUEST = "access_request", "利用申请", "Access request"
    ACCESS_APPROVE = "access_approve", "批准利用", "Access approved"
    ACCESS_DENY = "access_deny", "拒绝利用", "Access denied"
    ACCESS_EXPIRE = "access_expire", "利用到期", "Access expired"
    ACCESS_LEVEL_CHANGE = "access_level_change", "访问级别变更", "Access level changed"  # details: old, new, why
    USER_CREATE = "user_create", "新建用户", "User created"
    USER_UPDATE = "user_update", "修改用户", "User changed"
    USER_DISABLE = "user_disable", "停用用户", "User disabled"
    USER_ENABLE = "user_enable", "启用用户", "User enabled"
    USER_DELETE = "user_delete", "删除用户", "User deleted"
    ROLE_CHANGE = "role_change", "变更角色", "Role changed"  # details: old role, new role
    PERMISSION_CHANGE = "permission_change", "变更权限", "Permission changed"
    PASSWORD_CHANGE = "password_change", "修改密码", "Password changed"
    PASSWORD_RESET = "password_reset", "重置密码", "Password reset"
    TOKEN_CREATE = "token_create", "创建 API 令牌", "API token created"
    TOKEN_DELETE = "token_delete", "删除 API 令牌", "API token deleted"
    INGEST = "ingest", "接收入库", "Ingest"  # details: file, channel, outcome, fields supplied
    METADATA_EDIT = "metadata_edit", "修改著录", "Metadata edit"  # details: changed fields, old and new values
    RULE_CREATE = "rule_create", "新建分类规则", "Rule created"
    RULE_CHANGE = "rule_change", "修改分类规则", "Rule changed"
    RULE_DELETE = "rule_delete", "删除分类规则", "Rule deleted"
    DELETE = "delete", "删除", "Deletion"
    SETTINGS_CHANGE = "settings_change", "修改设置", "Settings changed"
    AUDIT_EXPORT = "audit_export", "导出审计日志", "Audit log export"
    AUDIT_CHECKPOINT = "audit_checkpoint", "审计检查点", "Audit checkpoint"
    NOTICE_FAILED = "notice_failed", "通知发送失败", "Notice failed"
    DEPARTMENT_CHANGE = "department_change", "修改机构", "Department changed"  # details: fields, old, new
    CLERK_ASSIGN = "clerk_assign", "指定部门档案员", "Clerk assigned"  # details: department
    SCHEDULE_CHANGE = "schedule_change", "修改归档范围与保管期限表", "Schedule changed"  # details: lines, how
    TASK_CREATE = "task_create", "新建归档任务", "Filing task created"  # details: department, period, due
    TRANSFER_SUBMIT = "transfer_submit", "提交移交", "Transfer submitted"  # details: task, items, files
    RECEIPT_CHECK = "receipt_check", "接收检测", "Receipt check"  # details: items passed / failed
    TRANSFER_ACCEPT = "transfer_accept", "接收移交", "Transfer accepted"  # details: records, 档号
    TRANSFER_RETURN = "transfer_return", "退回移交", "Transfer returned"  # details: reasons per item
    TRANSFER_CONFIRM = "transfer_confirm", "确认移交清册", "Transfer list confirmed"  # details: side
    REMINDER = "reminder", "催交提醒", "Filing reminder"  # details: task, due, days, recipients
    # Appraisal, opening and disposal (lifecycle/)
    OPENING_PROPOSE = "opening_propose", "提出开放审核意见", "Opening review proposed"  # details: decision, reason
    OPENING_APPROVE = "opening_approve", "会签开放审核", "Opening review signed"  # details: side (department/admin)
    OPENING_DECIDE = "opening_decide", "开放审核决定生效", "Opening review decided"  # details: decision, old/new level
    APPRAISAL = "appraisal", "鉴定", "Appraisal"  # details: decision, retention, reason
    DESTRUCTION_PROPOSE = "destruction_propose", "提出销毁", "Destruction proposed"  # details: batch, records
    DESTRUCTION_APPROVE = "destruction_approve", "批准销毁", "Destruction approved"  # details: batch
    DESTRUCTION = "destruction", "销毁", "Destruction"  # details: batch, files, sha256, witness
    LEGAL_HOLD_SET = "legal_hold_set", "设置法律冻结", "Legal hold set"  # details: reason
    LEGAL_HOLD_RELEASE = "legal_hold_release", "解除法律冻结", "Legal hold released"  # details: reason
    BACKUP = "backup", "备份", "Backup"  # details: folder, counts, bytes, copied, seconds, problems
    RESTORE = "restore", "恢复", "Restore"  # details: folder, counts, checks passed / failed
    FIXITY_CHECK = "fixity_check", "固定性检查", "Fixity check"  # details: checked, passed, failed, bytes
    FIXITY_ALERT = "fixity_alert", "固定性检查告警", "Fixity alert"  # details: file, problem (one per failed original)
    KEY_ROTATE = "key_rotate", "更换加密密钥", "Encryption key rotated"  # details: old and new key ids, files
    SAVED_SEARCH = "saved_search", "保存检索", "Saved search"  # details: op (create, alert_on, alert_off, delete), name
    SEARCH_ALERT = "search_alert", "检索提醒", "Search alert"  # details: saved search, new matches, mailed
    RECORD_WITHDRAW = "record_withdraw", "撤下档案", "Record withdrawn"  # details: reason
    RECORD_RESTORE = "record_restore", "恢复档案", "Record restored"  # details: reason withdrawn
    RECORD_RETRY = "record_retry", "重新处理", "Processing retried"  # details: error, job
    TEXT_CORRECT = "text_correct", "校正页面文本", "Page text corrected"  # details: page, version, chars


@named("通知类别", "notification kind")
class NotificationKind(Term):
    """What the portal's bell counts (``archive.notifications``); each is marked read per user."""

    REQUESTS = "requests", "利用申请", "Access requests"  # staff: requests waiting for a decision
    DECISIONS = "decisions", "审批结果", "Decisions"  # researchers: their requests decided
    REVIEW = "review", "待审核建议", "Review items"  # staff: machine suggestions to confirm
    DEADLINES = "deadlines", "归档期限提醒", "Filing deadlines"  # clerks and staff: filing reminders


@named("保管状态", "custody")
class Custody(Term):
    """Whether a record is part of the archive yet: submitted items wait for acceptance.

    The catalog stores NULL for records of the archive, ``submitted`` while a transfer holds them.
    """

    SUBMITTED = "submitted", "待接收", "Awaiting acceptance"


@named("归档规则", "filing rule")
class FilingRule(Term):
    """When a schedule line's records are due (国家档案局令第8号: 归档时间)."""

    YEARLY = "yearly", "每年按期归档", "Yearly by a date", "annual", "年度", "每年"
    AFTER_EVENT = "after_event", "项目或活动结束后N日内", "Within N days of an event", "event", "项目", "活动"
    MONTHLY = "monthly", "每月", "Monthly", "月度"
    QUARTERLY = "quarterly", "每季度", "Quarterly", "季度"


@named("归档任务状态", "task status")
class TaskStatus(Term):
    """State of a filing task; ``overdue`` is derived from the due date and the clock."""

    OPEN = "open", "待移交", "Open"
    SUBMITTED = "submitted", "已提交", "Submitted"
    RETURNED = "returned", "退回修改", "Returned for correction"
    ACCEPTED = "accepted", "已接收", "Accepted"
    OVERDUE = "overdue", "逾期", "Overdue"


@named("移交状态", "transfer status")
class TransferStatus(Term):
    """State of one submitted batch (移交)."""

    SUBMITTED = "submitted", "已提交，待检测", "Submitted, awaiting checks"
    CHECKED = "checked", "已检测，待接收", "Checked, awaiting decision"
    ACCEPTED = "accepted", "已接收", "Accepted"
    RETURNED = "returned", "已退回", "Returned"


@named("检测项", "checked property")
class CheckProperty(Term):
    """The four properties of DA/T 70 (四性检测)."""

    AUTHENTICITY = "authenticity", "真实性", "Authenticity"
    INTEGRITY = "integrity", "完整性", "Integrity"
    USABILITY = "usability", "可用性", "Usability"
    SECURITY = "security", "安全性", "Security"


@named("检测结果", "check result")
class CheckResult(Term):
    """Outcome of one receipt check."""

    PASSED = "passed", "通过", "Passed", "pass", "ok"
    FAILED = "failed", "不通过", "Failed", "fail"
    WARNING = "warning", "提示", "Warning", "warn"
    SKIPPED = "skipped", "未检测", "Not checked"


@named("开放审核意见", "opening decision")
class OpeningDecision(Term):
    """What an opening review (开放审核) proposes for a record reaching the opening age."""

    OPEN = "open", "开放", "Open", "开放", "公开"
    CONTROLLED = "controlled", "控制", "Keep controlled", "控制", "不开放", "keep controlled"
    DEFER = "defer", "延期审核", "Defer", "延期", "暂缓", "later"


@named("审核状态", "review status")
class ReviewStatus(Term):
    """State of an opening proposal or a destruction batch."""

    PROPOSED = "proposed", "待审批", "Awaiting approval"
    APPROVED = "approved", "已批准", "Approved"
    EXECUTED = "executed", "已执行", "Carried out"


@named("鉴定意见", "appraisal decision")
class AppraisalDecision(Term):
    """An appraisal's outcome for a record whose retention has expired (鉴定)."""

    EXTEND = "extend", "延长保管期限", "Extend retention", "延长", "续存", "keep"
    DESTROY = "destroy", "拟销毁", "Propose destruction", "销毁", "destruction"


@dataclass(frozen=True)
class Category:
    """One 门类 (record class): its code as 档号 uses it, its labels and aliases."""

    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, language: str = "zh") -> str:
        """The label in ``language`` (``zh`` or ``en``)."""
        return self.en if language.startswith("en") else self.zh


STANDARD_CATEGORIES: tuple[Category, ...] = (
    Category("WS", "文书", "Administrative records", ("文书档案", "documents", "administrative")),
    Category("KJ", "会计", "Accounting records", ("会计档案", "财务", "accounting")),
    Category("RS", "人事", "Personnel records", ("人事档案", "personnel")),
    Category("JJ", "基建", "Construction records", ("基建档案", "基本建设", "construction")),
    Category("KY", "科研", "Research records", ("科研档案", "research")),
    Category("ZP", "照片", "Photographs", ("照片档案", "photos", "photographs")),
    Category("LY", "录音", "Audio recordings", ("录音档案", "audio")),
    Category("LX", "录像", "Video recordings", ("录像档案", "video")),
)


@dataclass(frozen=True)
class CategoryTable:
    """The 门类 an archive uses: the standard ones unless configured otherwise."""

    categories: tuple[Category, ...] = STANDARD_CATEGORIES
    _lookup: Mapping[str, Category] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table: dict[str, Category] = {}
        for category in self.categories:
            for spelling in (category.code, category.zh, category.en, *category.aliases):
                table.setdefault(fold(spelling), category)
        object.__setattr__(self, "_lookup", table)

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> CategoryTable:
        """A table from ``{code: 中文}``, keeping the standard English labels and aliases of known codes."""
        standard = {c.code: c for c in STANDARD_CATEGORIES}
        out = []
        for code, zh in labels.items():
            known = standard.get(code.upper())
            out.append(Category(code.upper(), zh, known.en if known else code.upper(), known.aliases if known else ()))
        return cls(tuple(out))

    def __iter__(self) -> Any:
        return iter(self.categories)

    def codes(self) -> tuple[str, ...]:
        """Every category code."""
        return tuple(c.code for c in self.categories)

    def labels(self) -> dict[str, str]:
        """code -> 中文 label."""
        return {c.code: c.zh for c in self.categories}

    def get(self, code: str) -> Category | None:
        """The category of a code, or None."""
        return next((c for c in self.categories if c.code == code), None)

    def parse(self, value: object) -> Category:
        """The category a code, label or alias names; ``UnknownTerm`` otherwise."""
        found = self._lookup.get(fold(value))
        if found is None:
            raise UnknownTerm(
                f"Unknown category {str(value)!r}; known: {', '.join(f'{c.code} ({c.en})' for c in self.categories)}",
                f"未知的门类 {str(value)!r}；可用：{'、'.join(f'{c.zh}({c.code})' for c in self.categories)}",
            )
        return found


CATEGORIES = CategoryTable()


@dataclass(frozen=True)
class FieldSpec:
    """One description field (DA/T 18) as people see it."""

    name: str  # the Record attribute
    zh: str
    en: str

    def label(self, language: str = "zh") -> str:
        """The label in ``language`` (``zh`` or ``en``)."""
        return self.en if language.startswith("en") else self.zh


# Description fields in the order of DA/T 18, with their labels (forms, record page, exports).
DESCRIPTION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "题名", "Title"),
    FieldSpec("reference_code", "档号", "Reference code"),
    FieldSpec("fonds_code", "全宗号", "Fonds"),
    FieldSpec("category_code", "门类", "Category"),
    FieldSpec("year", "年度", "Year"),
    FieldSpec("retention", "保管期限", "Retention"),
    FieldSpec("department", "机构(问题)", "Department"),
    FieldSpec("department_code", "机构代码", "Department code"),
    FieldSpec("item_number", "件号", "Item number"),
    FieldSpec("creator", "责任者", "Creator"),
    FieldSpec("doc_number", "文号", "Document number"),
    FieldSpec("date", "日期", "Date"),
    FieldSpec("classification", "密级", "Classification"),
    FieldSpec("openness", "开放标识", "Openness"),
    FieldSpec("access_level", "访问级别", "Access level"),
    FieldSpec("access_override", "访问级别（人工指定）", "Access level set by a person"),
    FieldSpec("carrier", "载体形态", "Carrier"),
    FieldSpec("subject_terms", "主题词", "Subject terms"),
    FieldSpec("language", "语种", "Language"),
    FieldSpec("page_count", "页数", "Pages"),
    FieldSpec("note", "附注", "Note"),
)
FIELDS: dict[str, FieldSpec] = {f.name: f for f in DESCRIPTION_FIELDS}


def field_label(name: str, language: str = "zh") -> str:
    """The label of a description field (its name when it has none)."""
    spec = FIELDS.get(name)
    return spec.label(language) if spec else name


# The vocabulary of each coded description field, for display and parsing.
CODED_FIELDS: dict[str, type[Term]] = {
    "retention": Retention,
    "classification": Classification,
    "openness": Openness,
    "carrier": Carrier,
    "access_level": AccessLevel,
    "access_override": AccessLevel,
}


def display(name: str, value: Any, language: str = "zh", categories: CategoryTable = CATEGORIES) -> str:
    """A field's value as shown: a coded value as its label with the code, e.g. ``永久 (Y)``."""
    if value is None or value == "":
        return ""
    text = str(value)
    if name in ("category_code", "category"):
        category = categories.get(text)
        return f"{category.label(language)} ({text})" if category else text
    if name == "language":
        return ocr_languages_label(text, language)
    if name == "file_type":
        return FileKind(text).label(language) if text in FileKind.values() else text
    vocabulary = CODED_FIELDS.get(name)
    if vocabulary is not None and text in vocabulary.values():
        term = vocabulary(text)
        shown = term.label(language)
        return shown if shown == text else f"{shown} ({text})"
    return text


def labels(terms: Iterable[Term], language: str = "zh") -> dict[str, str]:
    """value -> label, for select boxes."""
    return {t.value: t.label(language) for t in terms}


# --- Codes the portal shows as labels: file kinds, OCR languages, suggestion sources ---------


@named("文件类型", "file type")
class FileKind(Term):
    """The short file family a search document carries (``indexer.search.documents.file_type``)."""

    PDF = "pdf", "PDF 文档", "PDF document"
    IMAGE = "image", "图像", "Image"
    DOCX = "docx", "Word 文档", "Word document"
    XLSX = "xlsx", "电子表格", "Spreadsheet"
    ODT = "odt", "ODF 文档", "ODF document"
    OFD = "ofd", "OFD 版式文件", "OFD document"
    EMAIL = "email", "电子邮件", "Email"
    HTML = "html", "网页", "Web page"
    TEXT = "text", "纯文本", "Plain text"
    AUDIO = "audio", "音频", "Audio"
    VIDEO = "video", "视频", "Video"
    OTHER = "other", "其他", "Other"


@named("识别语言", "OCR language")
class OcrLanguage(Term):
    """A Tesseract language pack, as ``ocr_languages`` and the 语种 field may name it (``chi_sim+eng``)."""

    CHI_SIM = "chi_sim", "简体中文", "Simplified Chinese"
    CHI_TRA = "chi_tra", "繁体中文", "Traditional Chinese"
    CHI_SIM_VERT = "chi_sim_vert", "简体中文（竖排）", "Simplified Chinese (vertical)"
    CHI_TRA_VERT = "chi_tra_vert", "繁体中文（竖排）", "Traditional Chinese (vertical)"
    ENG = "eng", "英文", "English"
    OSD = "osd", "版面方向检测", "Orientation detection"


def ocr_languages_label(codes: str, language: str = "zh") -> str:
    """``chi_sim+eng`` as ``简体中文、英文`` (``Simplified Chinese, English``); other text as it is."""
    parts = codes.split("+")
    if not all(part in OcrLanguage.values() for part in parts):
        return codes
    return ("、" if not language.startswith("en") else ", ").join(OcrLanguage(p).label(language) for p in parts)


@named("建议来源", "suggestion source")
class SuggestionSource(Term):
    """The rule that proposed a value for review (``indexer.describe``); ``rule:``, ``schedule:`` and
    ``fallback:`` sources carry the rule's id after the colon."""

    HEADER_DOC_NUMBER = "header_doc_number", "版头文号", "Document number in the header"
    BODY_DOC_NUMBER = "body_doc_number", "正文中的文号", "Document number in the body"
    SIGNATURE_DATE_CHINESE = "signature_date_chinese", "落款日期（汉字）", "Signature date (Chinese numerals)"
    SIGNATURE_DATE_ARABIC = "signature_date_arabic", "落款日期（阿拉伯数字）", "Signature date (Arabic numerals)"
    SIGNATURE_DATE_NUMERIC = "signature_date_numeric", "落款日期（数字格式）", "Signature date (numeric form)"
    BODY_DATE_CHINESE = "body_date_chinese", "正文日期（汉字）", "Date in the body (Chinese numerals)"
    BODY_DATE_ARABIC = "body_date_arabic", "正文日期（阿拉伯数字）", "Date in the body (Arabic numerals)"
    BODY_DATE_NUMERIC = "body_date_numeric", "正文日期（数字格式）", "Date in the body (numeric form)"
    PRINT_DATE = "print_date", "印发日期", "Printing date"
    HEADER_AND_SIGNATURE = "header_and_signature", "版头与落款", "Header and signature"
    HEADER_ISSUING_BODY = "header_issuing_body", "发文机关标志", "Issuing body in the header"
    SIGNATURE = "signature", "落款", "Signature"
    HEADER_ORG_LINE = "header_org_line", "版头机关行", "Organisation line in the header"
    PRINT_OFFICE = "print_office", "印发机关", "Printing office"
    TITLE_WITHOUT_GUANYU = "title_without_guanyu", "标题（无“关于”）", "Title (without 关于)"
    TITLE_GUANYU = "title_guanyu", "标题（“关于……的”）", "Title (关于 … 的)"
    TITLE_INCOMPLETE = "title_incomplete", "标题（不完整）", "Title (incomplete)"
    ADDRESSEE_LINE = "addressee_line", "主送机关行", "Addressee line"
    CLASSIFICATION_MARK = "classification_mark", "密级标志", "Classification mark"
    URGENCY_MARK = "urgency_mark", "紧急程度标志", "Urgency mark"
    PUBLICATION_NOTE = "publication_note", "公开发布说明", "Publication note"
    CLASSIFIER = "classifier", "自动分类模型", "Classifier"
    RULE = "rule", "分类规则", "Classification rule"
    SCHEDULE = "schedule", "归档范围表", "Filing schedule"
    FALLBACK = "fallback", "默认推断", "Fallback"


def suggestion_source_label(source: str, language: str = "zh") -> str:
    """A stored suggestion source as read: ``rule:7`` as ``分类规则 7``; an unknown one as it is."""
    name, _, detail = source.partition(":")
    if name not in SuggestionSource.values():
        return source
    label = SuggestionSource(name).label(language)
    return f"{label} {detail}" if detail else label
