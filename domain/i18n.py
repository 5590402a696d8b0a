"""Translations (gettext via Babel) and vi_VN formatting of money and dates.

Message ids are English; Vietnamese lives in locales/vi/LC_MESSAGES/messages.po. The catalog is
read from the compiled .mo when it is up to date, else compiled from the .po in memory, so a
checkout without `make` still speaks Vietnamese.
"""

from __future__ import annotations

import gettext
import io
import re
import unicodedata
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "vi"
SUPPORTED_LOCALES = ("vi", "en")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_BABEL_LOCALE = {"vi": "vi_VN", "en": "en_US"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated where shown)."""
    return message


@cache
def translations(locale: str) -> gettext.NullTranslations:
    if locale not in SUPPORTED_LOCALES or locale == "en":
        return gettext.NullTranslations()
    base = LOCALES_DIR / locale / "LC_MESSAGES"
    po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class Translator:
    """What user-facing code holds: gettext for one locale plus vi_VN-style formatting."""

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
        self._t = translations(self.locale)

    def gettext(self, message: str, /, **kwargs: object) -> str:
        text = self._t.gettext(message)
        return text.format(**kwargs) if kwargs else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, /, **kwargs: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text.format(n=n, **kwargs)

    def money(self, amount: int) -> str:
        return format_money(amount, self.locale)

    def date(self, value: date | datetime) -> str:
        return format_day(value, self.locale)

    def datetime(self, value: datetime) -> str:
        return format_moment(value, self.locale)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=_BABEL_LOCALE[self.locale])

    def decimal(self, value: float, places: int) -> str:
        """Exactly `places` decimals: 12.5 -> '12,5' (vi), 60 -> '60,0'."""
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(value, pattern, locale=_BABEL_LOCALE[self.locale])


def translator(locale: str | None = None) -> Translator:
    return Translator(locale or DEFAULT_LOCALE)


@lru_cache(maxsize=4096)  # Babel parses its number pattern on every call; amounts repeat
def format_money(amount: int, locale: str = DEFAULT_LOCALE) -> str:
    """1500000 -> '1.500.000 ₫' (a plain space, so it survives copy-paste into chat)."""
    text = format_currency(amount, "VND", locale="vi_VN")
    return text.replace("\xa0", " ")


def format_day(value: date | datetime, locale: str = DEFAULT_LOCALE) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return _babel_format_date(value, "dd/MM/yyyy", locale=_BABEL_LOCALE.get(locale, "vi_VN"))


def format_moment(value: datetime, locale: str = DEFAULT_LOCALE) -> str:
    local = value.astimezone(LOCAL_TZ)
    return _babel_format_datetime(
        local, "HH:mm dd/MM/yyyy", locale=_BABEL_LOCALE.get(locale, "vi_VN")
    )


# C0 and C1 control characters but tab, line feed and carriage return (whitespace: callers keep or
# collapse it), and the bidirectional marks, embeddings, overrides and isolates: typed into a name
# they make it read as something else (U+202E shows what follows backwards), and no XML cell or
# paragraph (XLSX, DOCX) may hold the controls.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but \t \n \r, DEL, C1
    "\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # LRM, RLM, embeddings, overrides, isolates
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def drop_controls(text: str) -> str:
    """`text` without control characters (tab and line breaks aside) and bidi formatting marks."""
    return _CONTROLS.sub("", text)


def strip_diacritics(text: str) -> str:
    """No diacritics, đ -> d: "Xã Đông" -> "Xa Dong"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Comparison key: NFC, no diacritics (đ -> d), case-folded, single spaces."""
    return " ".join(strip_diacritics(text).casefold().split())


def capitalised(text: str) -> str:
    """The first letter in capitals ("báo cáo kỳ" -> "Báo cáo kỳ"), the rest as it is."""
    return text[:1].upper() + text[1:]
