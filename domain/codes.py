"""One-time invite codes: short, typed by hand on a cheap phone, no look-alike characters."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# No 0/O, 1/I/L: a code read aloud or copied from paper survives.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_SHAPE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str:
    """'abcd efgh', 'ABCD-EFGH', ' abcdefgh ' -> 'ABCDEFGH'."""
    return re.sub(r"[\s\-_.]", "", text).upper()


def looks_like_code(text: str) -> bool:
    return bool(_SHAPE.match(normalize_code(text)))


def hash_secret(secret: str, key: str) -> str:
    """HMAC-SHA256: codes and tokens are stored only as this digest."""
    return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()
