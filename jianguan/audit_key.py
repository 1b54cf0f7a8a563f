"""The audit log's key: kept outside the database, so whoever can write the database cannot
recompute the chain after editing it.

From `JIANGUAN_AUDIT_KEY` (at least 32 characters; set it on every server that writes to the
same store), else the file `audit_key` in the instance folder, created with owner-only
permissions on first use. Losing the key means the chain can no longer be verified: keep a
copy where the database's backups are not. Each event records the key's id (a digest of the
key, never the key), so a verifier with the wrong key says so instead of "tampered".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from jianguan.config import instance_dir
from jianguan.errors import JianguanError

ENV = "JIANGUAN_AUDIT_KEY"
FILE_NAME = "audit_key"
MIN_LENGTH = 32

_loaded: dict[Path, AuditKey] = {}


class AuditKeyError(JianguanError):
    """The key is unusable (too short, unreadable)."""


@dataclass(frozen=True, slots=True)
class AuditKey:
    secret: bytes
    where: str  # for messages: the variable's name or the file's path
    key_id: str  # names the key in each event without revealing it

    @classmethod
    def of(cls, secret: bytes, where: str) -> AuditKey:
        key_id = hmac.new(secret, b"jianguan audit key id", hashlib.sha256).hexdigest()[:16]
        return cls(secret, where, key_id)


def key_file() -> Path:
    return instance_dir() / FILE_NAME


def _checked(text: str, where: str) -> AuditKey:
    secret = text.strip()
    if len(secret) < MIN_LENGTH:
        raise AuditKeyError(
            f"审计日志密钥（{where}）过短：至少需要 {MIN_LENGTH} 个字符，例如 "
            "python3 -c 'import secrets; print(secrets.token_hex(32))' 的输出。",
            f"the audit log key ({where}) is too short: it needs at least {MIN_LENGTH} "
            "characters, e.g. the output of python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'.",
        )
    return AuditKey.of(secret.encode("utf-8"), where)


def _create(path: Path) -> None:
    """Write a new random key, atomically and owner-only: two processes starting at once
    end up with the same key (the second one's link fails and it reads the first's)."""
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(handle, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(handle)
    finally:
        os.close(handle)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def audit_key(*, create: bool = True) -> AuditKey | None:
    """The key in use; None when there is none and `create` is false (a verifier must not
    invent a key: it would only report every keyed entry as signed by another key)."""
    given = os.environ.get(ENV)
    if given is not None:
        return _checked(given, ENV)
    path = key_file()
    if path in _loaded:
        return _loaded[path]
    if not path.exists():
        if not create:
            return None
        _create(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise AuditKeyError(
            f"无法读取审计日志密钥 {path}：{err.strerror}。请检查文件权限。",
            f"cannot read the audit log key {path}: {err.strerror}; check its permissions.",
        ) from err
    key = _checked(text, str(path))
    _loaded[path] = key
    return key
