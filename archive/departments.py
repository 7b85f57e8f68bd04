"""Departments (机构/部门) and their clerks: the entity, its name and alias resolution, and the
audited changes to both.

A manifest, form, import or API call may name a department by its code (``BGS``), its name
(``办公室``) or an alias (``校办``); ``resolve`` gives the department, so a record gets both its
``department`` (name) and ``department_code`` (what 档号 uses). A department clerk
(``Role.CLERK``) belongs to exactly one department (``clerk_department``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.accounts import User
from archive.catalog.collection import Department, DepartmentClerk
from archive.catalog.models import Record
from archive.description.schema import CODE_RE
from archive.vocabulary import AuditAction, Role, fold
from config.errors import InputError, NotFoundError


class UnknownDepartment(InputError):
    """A department name, code or alias that names no department."""

    code = "unknown_department"
    default_zh = "未知的机构"
    default_en = "Unknown department"


class DepartmentError(InputError):
    """A department or clerk change that cannot be made (bad code, duplicate name, wrong role)."""

    code = "bad_department"
    default_zh = "机构信息无效"
    default_en = "Invalid department"


@dataclass(frozen=True)
class DepartmentRef:
    """What a record needs of a department: its id, code and name."""

    id: int
    code: str
    name: str


class Directory:
    """Every spelling of every department (code, name, aliases; case and width folded) -> department."""

    def __init__(self, departments: Iterable[Department]) -> None:
        self.table: dict[str, DepartmentRef] = {}
        self.refs: list[DepartmentRef] = []
        for department in departments:
            ref = DepartmentRef(department.id, department.code, department.name)
            self.refs.append(ref)
            for spelling in (department.code, department.name, *(department.aliases or [])):
                self.table.setdefault(fold(spelling), ref)

    @classmethod
    def load(cls, session: Session) -> Directory:
        """The directory of the catalog's departments."""
        return cls(session.scalars(select(Department).order_by(Department.id)))

    def find(self, value: object) -> DepartmentRef | None:
        """The department ``value`` names, or None."""
        if value is None or str(value).strip() == "":
            return None
        return self.table.get(fold(value))

    def resolve(self, value: object) -> DepartmentRef:
        """The department ``value`` names; ``UnknownDepartment`` (both languages) otherwise."""
        found = self.find(value)
        if found is None:
            known = "、".join(f"{r.name}({r.code})" for r in self.refs[:20]) or "—"
            raise UnknownDepartment(
                f"Unknown department {str(value)!r}; known: {', '.join(r.code for r in self.refs[:20]) or '—'}",
                f"未知的机构 {str(value)!r}；已有：{known}",
            )
        return found


def resolve(session: Session, value: object) -> DepartmentRef:
    """The department a code, name or alias names (``UnknownDepartment`` otherwise)."""
    return Directory.load(session).resolve(value)


def fill_record_department(session: Session, record: Record, directory: Directory | None = None) -> str | None:
    """Give a record both halves of its department: the code from a name or alias, the name from a code.

    Returns a problem message (both languages) when the record names a department that is not
    known while departments are (an archive without departments keeps its free text as before).
    """
    if record.department_code and record.department:
        return None
    given = record.department or record.department_code
    if not given:
        return None
    directory = directory or Directory.load(session)
    found = directory.find(given)
    if found is None:
        if not directory.refs or record.department_code:
            return None
        return f"未知的机构 {given!r} / unknown department: {given!r}"
    if not record.department_code:  # named by its name or an alias: the department's own name and code
        record.department_code, record.department = found.code, found.name
    else:
        record.department = found.name
    return None


def _audit(session: Session, action: str, actor: Actor, department: Department, where: Where | None,
           **details: Any) -> None:
    audit.record(session, action, actor, Target.of("department", department.id), details, where=where)


def _check(code: str | None, name: str | None) -> None:
    if code is not None and not CODE_RE.match(code):
        raise DepartmentError(f"Department code {code!r} must be letters and digits only",
                              f"机构代码 {code!r} 只能由字母和数字组成")
    if name is not None and not name.strip():
        raise DepartmentError("A department needs a name", "机构名称不能为空")


def save_department(
    session: Session,
    *,
    code: str,
    name: str,
    aliases: Iterable[str] = (),
    parent: str | None = None,
    contact_email: str | None = None,
    actor: Actor,
    where: Where | None = None,
) -> Department:
    """Create a department, or update the one with this code; audited (``department_change``)."""
    code = code.strip().upper()
    _check(code, name)
    directory = Directory.load(session)
    department = session.scalar(select(Department).where(Department.code == code))
    for spelling in (name, *aliases):
        other = directory.find(spelling)
        if other is not None and (department is None or other.id != department.id):
            raise DepartmentError(
                f"{spelling!r} already names department {other.code} ({other.name})",
                f"“{spelling}”已是机构 {other.name}({other.code}) 的名称或别名",
            )
    parent_id = resolve(session, parent).id if parent else None
    clean_aliases = [a.strip() for a in aliases if a and a.strip()]
    if department is None:
        department = Department(code=code, name=name.strip(), aliases=clean_aliases, parent_id=parent_id,
                                contact_email=contact_email or None, active=True)
        session.add(department)
        session.flush()
        _audit(session, AuditAction.DEPARTMENT_CHANGE, actor, department, where, change="create", code=code,
               name=department.name, aliases=clean_aliases, contact_email=contact_email)
        return department
    old = {"name": department.name, "aliases": list(department.aliases or []),
           "contact_email": department.contact_email, "parent_id": department.parent_id}
    department.name = name.strip()
    department.aliases = clean_aliases or list(department.aliases or [])
    department.contact_email = contact_email if contact_email is not None else department.contact_email
    department.parent_id = parent_id if parent else department.parent_id
    new = {"name": department.name, "aliases": list(department.aliases or []),
           "contact_email": department.contact_email, "parent_id": department.parent_id}
    if new != old:
        _audit(session, AuditAction.DEPARTMENT_CHANGE, actor, department, where, change="update", code=code,
               old=old, new=new)
    return department


def list_departments(session: Session) -> list[Department]:
    """Every department, by code."""
    return list(session.scalars(select(Department).order_by(Department.code)))


def assign_clerk(session: Session, user: User, department_code: str, *, actor: Actor,
                 where: Where | None = None) -> DepartmentClerk:
    """Make ``user`` (whose role must be clerk) the clerk of a department; audited (``clerk_assign``)."""
    if user.role != Role.CLERK:
        raise DepartmentError(
            f"{user.username} is a {user.role}, not a clerk; set the role to clerk first",
            f"{user.username} 的角色不是部门兼职档案员（clerk）；请先修改角色",
        )
    department = session.get(Department, resolve(session, department_code).id)
    assert department is not None  # noqa: S101 - resolve found it in this session
    membership = session.get(DepartmentClerk, user.id)
    old = membership.department_id if membership else None
    if membership is None:
        membership = DepartmentClerk(user_id=user.id, department_id=department.id)
        session.add(membership)
    else:
        membership.department_id = department.id
    session.flush()
    _audit(session, AuditAction.CLERK_ASSIGN, actor, department, where, user=user.username,
           old_department_id=old, code=department.code)
    return membership


def clerk_department(session: Session, user: User | None) -> Department | None:
    """The department a clerk belongs to (None for anyone else, or a clerk not yet assigned)."""
    if user is None or user.role != Role.CLERK:
        return None
    membership = session.get(DepartmentClerk, user.id)
    return session.get(Department, membership.department_id) if membership else None


def department_clerks(session: Session, department_id: int) -> list[User]:
    """The active clerks of a department."""
    return list(
        session.scalars(
            select(User)
            .join(DepartmentClerk, DepartmentClerk.user_id == User.id)
            .where(DepartmentClerk.department_id == department_id, User.active.is_(True))
            .order_by(User.username)
        )
    )


def get_department(session: Session, department_id: int) -> Department:
    """A department by id (``NotFoundError`` otherwise)."""
    found = session.get(Department, department_id)
    if found is None:
        raise NotFoundError(f"No department {department_id}", f"机构 {department_id} 不存在")
    return found
