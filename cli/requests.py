"""``lantai requests expire``: record the end of every grant that ran out (利用到期).

The portal records an expiry when it first meets the expired grant; this command records
the rest (researchers who never came back), so the use register shows when each grant
ended. Safe to run any time, e.g. daily from cron: a grant is recorded once only.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session

from archive.audit.chain import record_event
from archive.catalog.accounts import Grant, User
from archive.catalog.models import Record
from archive.grants import GRANT, record_expiries, unrecorded_expiries
from archive.vocabulary import AuditAction
from cli.main import pass_lantai


@click.group("requests")
def requests_group() -> None:
    """Access requests (利用申请) and their grants."""


@requests_group.command("expire")
@click.option("--dry-run", is_flag=True, help="List the grants that ran out without recording them.")
@pass_lantai
def expire(lantai: Any, dry_run: bool) -> None:
    """Record an access_expire audit event for each grant past its expiry (once per grant)."""
    with lantai.catalog.session() as db:
        grants = unrecorded_expiries(db)
        if dry_run:
            for grant in grants:
                click.echo(f"grant {grant.id}: user {grant.user_id}, record {grant.record_id}, "
                           f"expired {grant.expires_at.isoformat()}")
            db.rollback()
            return

        def write(session: Session, grant: Grant, record: Record | None, details: dict[str, object]) -> object:
            user = session.get(User, grant.user_id)
            purpose = details.pop("purpose", None)
            details["username"] = user.username if user is not None else None
            return record_event(
                session, action=AuditAction.ACCESS_EXPIRE, actor_name="cli", actor_role="system",
                object_type=GRANT, object_id=grant.id, record_id=grant.record_id,
                reference_code=record.reference_code if record is not None else None,
                purpose=str(purpose) if purpose else None, details=details,
            )

        count = record_expiries(db, grants, write)
    click.echo(f"已记录 {count} 项到期的利用授权 / Recorded {count} expired grant(s)")


commands: list[click.Command] = [requests_group]
