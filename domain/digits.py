"""ASCII digits: the only digits an id or a number is read from.

`str.isdigit()` and the regex `\\d` also take superscripts ("³") and other scripts' digits ("٢",
"৩"): `int("³")` raises and `int("٢")` reads 2, so an id in a URL or a chat answer written with them
would either crash or mean something nobody typed. Parsers check with `is_digits` and match
`[0-9]` rather than `\\d`; anything else is refused like any other unreadable input.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """Non-empty and 0-9 only."""
    return text.isascii() and text.isdigit()
