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


# A code inside a short message ("Mã mời: SBRA-RGB8", "mã của tôi là 9tgn qsq6"): two halves of
# four, apart from any other letter or digit.
_INSIDE = re.compile(r"(?<![0-9A-ZÀ-Ỹ])([0-9A-Z]{4})([\s\-_.]?)([0-9A-Z]{4})(?![0-9A-ZÀ-Ỹ])")
_SENTENCE = 80  # characters: a longer message is not someone sending their code


def find_code(text: str) -> str | None:
    """The invite code a message holds: the whole message, or, in a short one, a code written
    with a separator or holding a digit (an eight-letter word alone is not taken for one)."""
    if _SHAPE.match(normalize_code(text)):
        return normalize_code(text)
    if len(text) > _SENTENCE:
        return None
    for m in _INSIDE.finditer(text.upper()):
        code = m.group(1) + m.group(3)
        if _SHAPE.match(code) and (m.group(2) or any(c.isdigit() for c in code)):
            return code
    return None


def looks_like_code(text: str) -> bool:
    return find_code(text) is not None


def hash_secret(secret: str, key: str) -> str:
    """HMAC-SHA256: codes and tokens are stored only as this digest."""
    return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()
