"""API keys: `coh_<keyId>_<secret>`, stored as a SHA-256 of the whole key and compared in constant time.

The secret has 256 bits of entropy, so a plain fast hash is enough: no one brute-forces it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCOPES: tuple[str, ...] = ("import", "export", "admin")
PREFIX = "coh_"


def new_key() -> tuple[str, str, str]:
    """A new key: (key_id, full key to hand out once, hash to store)."""
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return key_id, key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    if not key.startswith(PREFIX):
        return None
    key_id, sep, _ = key[len(PREFIX):].partition("_")
    return key_id if sep and key_id else None


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)


def parse_scopes(text: str) -> tuple[str, ...]:
    scopes = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"unknown scopes {unknown}; choose from {', '.join(SCOPES)}")
    return scopes
