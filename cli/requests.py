"""``lantai requests expire``: record the end of every grant that ran out (利用到期).

The portal records an expiry when it first meets the expired grant; this command records
the rest (researchers who never came back), so the use register shows when each grant
ended. Safe to run any time, e.g. daily from cron: a grant is recorded once only.
"""

from __future__ import annotations

from typing import Any

import click

from archive.grants import expire_grants, unrecorded_expiries
from cli.main import pass_lantai
from cli.operator import CLI


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

        count = expire_grants(db, actor=CLI)
    click.echo(f"已记录 {count} 项到期的利用授权 / Recorded {count} expired grant(s)")


commands: list[click.Command] = [requests_group]
