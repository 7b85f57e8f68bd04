"""Signed checkpoints: a rewrite of the whole chain with recomputed hashes is caught against one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update

from archive.audit.chain import event_hash
from archive.audit.checkpoint import CheckpointError, generate_key, make_checkpoint, read_checkpoint, write_checkpoint
from archive.audit.verify import verify_chain
from archive.catalog.audit import AuditChainHead, AuditEvent
from archive.catalog.db import Catalog
from indexer.context import Lantai
from tests.audit.conftest import append, drop_triggers


def rewrite_chain(catalog: Catalog, seq: int, actor_name: str) -> None:
    """Change one event and recompute every hash after it, and the head: internally consistent."""
    drop_triggers(catalog)
    with catalog.session() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        prev = "0" * 64
        for event in events:
            fields = {c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns}
            if event.seq == seq:
                fields["actor_name"] = actor_name
            fields["prev_hash"] = prev
            fields["hash"] = prev = event_hash(fields)
            session.execute(update(AuditEvent).where(AuditEvent.seq == event.seq).values(
                actor_name=fields["actor_name"], prev_hash=fields["prev_hash"], hash=fields["hash"]))
        session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(hash=prev))


def test_rewrite_is_caught_by_the_checkpoint(catalog: Catalog, tmp_path: Path) -> None:
    append(catalog, 5)
    key = generate_key(tmp_path / "key.pem")
    head = verify_chain(catalog.engine)
    signed = make_checkpoint(key, head.head_seq, head.head_hash)
    append(catalog, 2)
    assert verify_chain(catalog.engine, checkpoint=(signed.seq, signed.hash)).ok
    rewrite_chain(catalog, 2, "someone else")
    assert verify_chain(catalog.engine).ok  # hashes alone cannot see a full rewrite ...
    result = verify_chain(catalog.engine, checkpoint=(signed.seq, signed.hash))
    assert result.broken_seq == 5 and "checkpoint" in result.reason_en  # ... the checkpoint can


def _cli(lantai: Lantai, *args: str) -> Result:
    from cli.main import main

    return CliRunner().invoke(main, list(args), obj=lantai, catch_exceptions=False)


def test_cli_keygen_checkpoint_verify(lantai: Lantai, tmp_path: Path) -> None:
    append(lantai.catalog, 4)
    assert _cli(lantai, "audit", "keygen").exit_code == 0
    key_file = lantai.settings.data_dir / "audit_signing_key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert _cli(lantai, "audit", "keygen").exit_code != 0  # never replaced silently
    out = tmp_path / "checkpoint.json"
    result = _cli(lantai, "audit", "checkpoint", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["seq"] == 4 and len(data["hash"]) == 64 and data["signature"] and data["public_key"]
    ok = _cli(lantai, "audit", "verify", "--checkpoint", str(out))
    assert ok.exit_code == 0 and "intact" in ok.output
    rewrite_chain(lantai.catalog, 1, "ghost")
    assert _cli(lantai, "audit", "verify").exit_code == 0
    caught = _cli(lantai, "audit", "verify", "--checkpoint", str(out))
    assert caught.exit_code == 1 and "event 4" in caught.output


def test_cli_verify_names_the_broken_event(lantai: Lantai) -> None:
    append(lantai.catalog, 3)
    drop_triggers(lantai.catalog)
    with lantai.catalog.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(purpose="changed"))
    result = _cli(lantai, "audit", "verify", "--json")
    assert result.exit_code == 1 and json.loads(result.output)["broken_seq"] == 2


def test_forged_or_foreign_checkpoint_is_refused(tmp_path: Path) -> None:
    key = generate_key(tmp_path / "key.pem")
    other = generate_key(tmp_path / "other.pem")
    path = tmp_path / "cp.json"
    write_checkpoint(make_checkpoint(key, 10, "a" * 64), path)
    data = json.loads(path.read_text())
    data["seq"] = 9
    path.write_text(json.dumps(data))
    from archive.audit.checkpoint import public_key_text

    with pytest.raises(CheckpointError, match="signature"):
        read_checkpoint(path, expected_public_key=public_key_text(key))
    write_checkpoint(make_checkpoint(other, 10, "a" * 64), path)
    with pytest.raises(CheckpointError, match="another key"):
        read_checkpoint(path, expected_public_key=public_key_text(key))


def test_checkpoint_beyond_the_chain_is_reported(catalog: Catalog, chain: Callable[..., None]) -> None:
    chain(2)
    assert verify_chain(catalog.engine, checkpoint=(5, "b" * 64)).broken_seq == 5


def test_verify_needs_a_key_kept_apart_from_the_checkpoint(lantai: Lantai, tmp_path: Path) -> None:
    """A checkpoint signed by whoever rewrote the chain vouches for itself: never trust its own key."""
    append(lantai.catalog, 3)
    assert _cli(lantai, "audit", "checkpoint", "-o", str(tmp_path / "ours.json")).exit_code == 0
    key_file = lantai.settings.data_dir / "audit_signing_key.pem"
    from archive.audit.checkpoint import load_key, public_key_text

    ours = public_key_text(load_key(key_file))
    rewrite_chain(lantai.catalog, 1, "ghost")
    forger = generate_key(tmp_path / "forger.pem")
    head = verify_chain(lantai.catalog.engine)
    write_checkpoint(make_checkpoint(forger, head.head_seq, head.head_hash), tmp_path / "forged.json")
    key_file.unlink()  # the signing key is kept off the machine, as the README advises
    refused = _cli(lantai, "audit", "verify", "--checkpoint", str(tmp_path / "forged.json"))
    assert refused.exit_code != 0 and "--public-key" in refused.output
    forged = _cli(lantai, "audit", "verify", "--checkpoint", str(tmp_path / "forged.json"), "--public-key", ours)
    assert forged.exit_code != 0 and "another key" in forged.output
    caught = _cli(lantai, "audit", "verify", "--checkpoint", str(tmp_path / "ours.json"), "--public-key", ours)
    assert caught.exit_code == 1 and "event 3" in caught.output
