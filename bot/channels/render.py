"""Shared rendering: long texts split at clean boundaries; choices as a numbered list (no buttons)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from conversations.model import Outbound
from domain.i18n import N_, Translator

REPLY_WITH_NUMBER = N_("Reply with the number of your choice.")
REPLY_WITH_LETTER = N_("Type the letter of your choice, or your answer.")
# Where a long text may be cut, best first; paragraph and line breaks only when the piece before
# them is not tiny, so a text is not shredded into one-line messages.
_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int, size: Callable[[str], int]) -> int:
    """How many leading characters of `text` fit in `limit`."""
    if size is len:
        return min(len(text), limit)
    total = 0
    for n, ch in enumerate(text):
        total += size(ch)
        if total > limit:
            return n
    return len(text)


def _cut(head: str, whole: str) -> int:
    """Where to end a piece whose longest possible form is `head` (a prefix of `whole`)."""
    for sep in _BREAKS:
        at = head.rfind(sep)
        minimum = len(head) // 2 if sep in ("\n\n", "\n") else len(head) // 4
        if at > 0 and at >= minimum:
            return at + len(sep.rstrip(" ")) if sep.strip() else at
    cut = len(head)
    # Never separate a base letter from a following combining mark (decomposed Vietnamese).
    while 1 < cut < len(whole) and unicodedata.combining(whole[cut]):
        cut -= 1
    return cut


def split_text(text: str, limit: int, *, size: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most `limit` (as measured by `size`), cut at paragraph, line, sentence or word
    boundaries when possible; the whitespace at a cut is dropped, nothing else is."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while size(rest) > limit:
        if rest[0].isspace():  # a piece never starts with whitespace (nor is only whitespace)
            rest = rest.lstrip()
            continue
        head = rest[: max(_fit(rest, limit, size), 1)]
        cut = _cut(head, rest)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def numbered(message: Outbound, t: Translator) -> str:
    """The text with its choices as "1. Label" lines (or "a. Label" where they carry letters)
    and a hint to answer with the number (the letter)."""
    if not message.choices:
        return message.text
    lines = "\n".join(f"{c.key or n}. {c.label}" for n, c in enumerate(message.choices, 1))
    hint = REPLY_WITH_LETTER if any(c.key for c in message.choices) else REPLY_WITH_NUMBER
    return f"{message.text}\n\n{lines}\n({t(hint)})"
