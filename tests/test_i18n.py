"""Every message the code can show has a Vietnamese translation; formatting follows vi_VN."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from domain.i18n import Translator, fold, format_day, format_money

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locales" / "vi" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "N_": None, "t": None, "gettext": None, "ngettext": (1, 2)}


def code_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers", "conversations", "domain", "storage", "api", "documents"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add(msgid)
    return found


def test_every_message_in_the_code_has_a_vietnamese_translation() -> None:
    catalog = read_po(PO.open("rb"), locale="vi")
    missing = sorted(m for m in code_messages() if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, "no Vietnamese translation for:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    catalog = read_po(PO.open("rb"), locale="vi")
    for msg in catalog:
        if not msg.id or not msg.string:
            continue
        msgid = msg.id if isinstance(msg.id, str) else msg.id[0]
        msgstr = msg.string if isinstance(msg.string, str) else msg.string[0]
        assert set(re.findall(r"\{(\w+)\}", msgid)) == set(re.findall(r"\{(\w+)\}", msgstr)), msgid


def test_vietnamese_is_default_and_english_is_available() -> None:
    assert Translator("vi")("Yes") == "Có"
    assert Translator("en")("Yes") == "Yes"
    assert Translator("xx")("Yes") == "Có"  # unknown locales fall back to Vietnamese


def test_money_and_dates_in_vietnamese_format() -> None:
    assert format_money(1_500_000) == "1.500.000 ₫"
    assert format_money(0) == "0 ₫"
    assert format_day(date(2026, 11, 25)) == "25/11/2026"
    # 23:30 UTC is already the next day in Hà Nội.
    assert format_day(datetime(2026, 11, 25, 23, 30, tzinfo=UTC)) == "26/11/2026"


def test_fold_matches_names_without_diacritics() -> None:
    assert fold("Nguyễn Văn A") == fold("nguyen van a") == fold("NGUYỄN  VĂN A")
    assert fold("Đỗ") == "do"
