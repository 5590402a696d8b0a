"""Turning what people type into answers: commands, choices by number or label, yes/no, text,
phone."""

from __future__ import annotations

import re
from collections.abc import Sequence

from conversations.model import Choice, Invalid
from domain.digits import is_digits
from domain.i18n import N_, drop_controls, fold, nfc

MAX_INPUT = 1000  # characters; longer messages are refused before any parsing
GLOBAL_COMMANDS = {
    "cancel": ("/cancel", "/huy", "huy", "huy bo", "thoat"),
    "back": ("/back", "/quaylai", "quay lai", "tro lai"),
    "help": ("/help", "/trogiup", "tro giup", "giup", "?"),
    "lang": ("/lang", "/ngonngu", "ngon ngu"),
}
BOT_SUFFIX = re.compile(r"^(/\w+)@\w+")  # "/help@chungtay_bot" is /help

_NUMBER_PREFIX = re.compile(r"^(?:so|số|chon|chọn|#)\s*", re.IGNORECASE)
YES = {"co", "c", "yes", "y", "ok", "oke", "dong y", "dung", "u", "uh", "vang", "da", "1",
       "\U0001f44d"}  # fmt: skip
NO = {"khong", "k", "ko", "kg", "no", "n", "sai", "2", "\U0001f44e", "khong co", "ko co", "k co",
      "kg co", "hok", "hong", "chua", "chua co", "khong phai"}  # fmt: skip
# Courtesy around a yes or a no ("dạ có", "không ạ", "đúng rồi"): dropped before it is read.
_POLITE_BEFORE = {"da", "vang", "thua"}
_POLITE_AFTER = {"a", "nhe", "nha", "roi", "luon", "dau", "anh", "chi", "em", "bac"}
# Said to open a chat, or to see what the bot does (folded): answered with the menu.
GREETINGS = {"xin chao", "chao", "chao ban", "chao em", "chao anh", "chao chi", "hi", "hello",
             "alo", "a lo", "menu", "danh muc"}  # fmt: skip
# The word before a place's name in a unit's label (folded): "thon dong" is the place "dong".
_UNIT_WORD = re.compile(r"^(?:thon|xom|ban|ap|to dan pho|khu pho|to|khom|xa|phuong|thi tran) ")
_PHONE = re.compile(r"^(?:\+?84|0)([0-9]{9})$")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def clean(text: str) -> str:
    """NFC, no control or bidi formatting characters, trimmed, inner whitespace collapsed."""
    return " ".join(drop_controls(nfc(text)).split())


def global_command(key: str, choice: str | None) -> tuple[str, str] | None:
    """(command, argument) for a folded text or a Help/Cancel/Back button; None otherwise."""
    if choice in ("_cancel", "_help", "_back"):
        return choice[1:], ""
    for name, forms in GLOBAL_COMMANDS.items():
        for form in forms:
            if key == form or (form.startswith("/") and key.startswith(form + " ")):
                return name, key[len(form) :].strip()
    return None


def match_choice(
    text: str, choices: Sequence[Choice], *, numbers: bool = True, prefixes: bool = True
) -> str | None:
    """'2', '2.', 'số 2', the label, or the label without diacritics -> choice id."""
    key = fold(text).rstrip(".)").strip()
    key = _NUMBER_PREFIX.sub("", key) if _NUMBER_PREFIX.match(key + " ") else key
    if is_digits(key):
        n = int(key)
        return choices[n - 1].id if numbers and 1 <= n <= len(choices) else None
    for choice in choices:
        if key == fold(choice.label):
            return choice.id
    # A place without its unit word ("dong" for "Thôn Đông"), when only one choice is that place.
    named = [c.id for c in choices if _UNIT_WORD.sub("", fold(c.label)) == key]
    if len(named) == 1:
        return named[0]
    # A unique prefix of a label is accepted ("hoan" for "Hoàn thành") when it is not too short.
    if prefixes and len(key) >= 3:
        hits = [c.id for c in choices if fold(c.label).startswith(key)]
        if len(hits) == 1:
            return hits[0]
    return None


def parse_yes_no(text: str) -> bool:
    key = fold(text).strip().rstrip(".!?")
    if key[:1].isalpha() and is_digits(key[-1:]):  # "số 1"
        key = _NUMBER_PREFIX.sub("", key)
    words = key.replace(",", " ").split()
    while len(words) > 1 and words[-1] in _POLITE_AFTER and " ".join(words) not in NO:
        words.pop()
    while len(words) > 1 and words[0] in _POLITE_BEFORE:
        words.pop(0)
    key = " ".join(words)
    if key in YES:
        return True
    if key in NO:
        return False
    raise Invalid(
        N_("Please answer yes or no: press a button or type 1 for yes, 2 for no."),
        typed=N_("Please answer yes or no: type 1 for yes, 2 for no."),
    )


def parse_text(text: str, *, min_length: int, max_length: int) -> str:
    value = clean(text)
    if len(value) > max_length:
        raise Invalid(
            N_("That is too long ({length} characters). Please keep it under {limit}."),
            length=len(value),
            limit=max_length,
        )
    if len(value) < min_length or not _LETTER.search(value):
        raise Invalid(N_("Please type at least {limit} letters."), limit=max(min_length, 1))
    return value


def parse_phone(text: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", nfc(text))
    m = _PHONE.match(digits)
    if not m:
        raise Invalid(
            N_(
                "That is not a Vietnamese phone number. Type 10 digits starting with 0, e.g. 0912345678."
            )
        )
    return "0" + m.group(1)
