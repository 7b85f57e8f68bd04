"""Signed checkpoints of the audit chain head (Ed25519), kept outside the database.

A checkpoint is a small JSON file: the head's sequence number and hash, the time, an
Ed25519 signature over those and the public key. Whoever holds it can later prove that
the chain still contains that head; a rewrite of the whole chain with recomputed hashes
changes the hash at that sequence number and is caught.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from config.errors import ExitCode, InputError, LantaiError, NotFoundError
from config.settings import Settings

CHAIN_NAME = "lantai-audit"
FORMAT_VERSION = 1


class CheckpointError(LantaiError):
    """A checkpoint file cannot be read or its signature does not hold."""

    code = "bad_checkpoint"
    exit_code = ExitCode.FAILED
    http_status = 400
    default_zh = "审计检查点无效"
    default_en = "The audit checkpoint is not valid"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain had ``hash`` at ``seq`` at ``time``."""

    seq: int
    hash: str
    time: str
    signature: str  # base64
    public_key: str  # base64 of the 32 raw bytes

    def signed_bytes(self) -> bytes:
        """The exact bytes that are signed."""
        return signed_payload(self.seq, self.hash, self.time)

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON object."""
        return {
            "chain": CHAIN_NAME, "version": FORMAT_VERSION, "seq": self.seq, "hash": self.hash,
            "time": self.time, "signature": self.signature, "public_key": self.public_key,
        }


def signed_payload(seq: int, head_hash: str, time: str) -> bytes:
    """Canonical JSON of what a checkpoint signs."""
    body = {"chain": CHAIN_NAME, "version": FORMAT_VERSION, "seq": seq, "hash": head_hash, "time": time}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def key_path(settings: Settings) -> Path:
    """Where the signing key is kept: ``audit_key_file`` or ``DATA_DIR/audit_signing_key.pem``."""
    return settings.audit_key_file or settings.data_dir / "audit_signing_key.pem"


def generate_key(path: Path, *, overwrite: bool = False) -> Ed25519PrivateKey:
    """Create a new Ed25519 key at ``path`` (mode 0600); refuse to replace one unless told."""
    if path.exists() and not overwrite:
        raise InputError(
            f"{path} already holds a signing key; pass --force to replace it "
            "(old checkpoints keep their own public key)",
            f"{path} 已有签名密钥；如需替换请加 --force（旧检查点仍带有各自的公钥）",
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    tmp.replace(path)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    """Read the signing key; a clear error when it is missing or not an Ed25519 key."""
    if not path.exists():
        raise NotFoundError(
            f"No audit signing key at {path}; create one with `lantai audit keygen`",
            f"{path} 处没有审计签名密钥；请用 `lantai audit keygen` 生成",
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a PEM private key: {exc}", f"{path} 不是 PEM 私钥") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key", f"{path} 不是 Ed25519 密钥")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def make_checkpoint(key: Ed25519PrivateKey, seq: int, head_hash: str, when: dt.datetime | None = None) -> Checkpoint:
    """Sign the head (``seq``, ``head_hash``)."""
    time = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.sign(signed_payload(seq, head_hash, time))
    return Checkpoint(seq, head_hash, time, base64.b64encode(signature).decode("ascii"), public_key_text(key))


def write_checkpoint(checkpoint: Checkpoint, path: Path) -> None:
    """Save a checkpoint as JSON."""
    path.write_text(json.dumps(checkpoint.to_dict(), indent=2) + "\n", encoding="utf-8")


def read_checkpoint(path: Path, *, expected_public_key: str) -> Checkpoint:
    """Load a checkpoint and check its signature against ``expected_public_key``.

    The key must come from elsewhere than the checkpoint (the signing key file, or a public key
    kept apart): a checkpoint that vouches for itself proves nothing, since whoever rewrote the
    chain could sign a new head with a key of their own.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("chain") != CHAIN_NAME:
            raise ValueError("not a Lantai audit checkpoint")
        checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["time"]),
                                str(data["signature"]), str(data["public_key"]))
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key, validate=True))
        public.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.signed_bytes())
    except InvalidSignature as exc:
        raise CheckpointError(
            f"The signature of {path} does not match its content", f"{path} 的签名与内容不符"
        ) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(
            f"{path} cannot be read as a checkpoint: {exc}", f"{path} 无法作为检查点读取"
        ) from exc
    if checkpoint.public_key != expected_public_key.strip():
        raise CheckpointError(
            f"{path} was signed with another key than this portal's audit key",
            f"{path} 的签名密钥不是本系统的审计密钥",
        )
    return checkpoint
