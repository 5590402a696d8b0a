"""Read amounts of money and small counts the way people type them in Vietnamese chat.

Money: "1.500.000", "1,5 triệu", "1tr5", "1500k", "1 triệu rưỡi", "một triệu hai"… with or without
đ/đồng/VND, diacritics or a per-month suffix. Rules, in order:

- The digits after a unit with no unit of their own are its decimals: "1tr5" = 1,5 triệu,
  "1tr25" = 1,25 triệu, "1tr500" = 1,5 triệu, "1k5" = 1.500. Four or five digits after "tr"
  ("1tr5000") could also be đồng, so they are rejected as ambiguous.
- "." and "," each group thousands or mark decimals. A lone separator followed by three digits
  ("1.500 nghìn", "1,250 triệu") can be either: the reading between 100.000 ₫ and
  1.000.000.000 ₫ wins, and if both are, the amount is rejected as ambiguous. Without a unit,
  such a separator groups thousands ("800.000").
- A bare number (no unit, no đ) from 1 to 99.999 is asked about, never taken as đồng. Every
  amount read here is an income for a month, and none is that small: the lowest poverty line
  ever in force is 700.000 ₫ per person a month (QĐ 59/2015, rural), and a household with no
  income types "0". What a small bare number means is how money is written at a market or in a
  shop, where the thousands are left out ("15" or "15k" for 15.000 ₫, "1500" for 1.500.000 ₫):
  - from 1 to 9.999 ("1500", "2", "1,5") a unit is missing, "nghìn" or "triệu": both are asked;
  - from 10.000 to 99.999 ("12000", "99999", "12.000") it is either thousands with "nghìn" left
    out (12000 nghìn = 12 triệu, a plausible month) or a shop price in đồng written in full,
    which is no monthly income: "12000 nghìn or 12000 đồng?" ("triệu" would be over a billion).
  From 100.000 a bare number is đồng ("500000", "800.000"). With a đ ("12.000đ", "12000 đồng")
  the amount is taken as written: the person said it is meant.
- Negative amounts and amounts over 1.000.000.000 ₫ a month are rejected.

Each rejection is a `ParseError` carrying an English message id and its parameters, so the bot
can show a specific re-prompt in the user's language.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import NamedTuple

from domain.digits import is_digits
from domain.i18n import N_, Translator, fold, nfc

MAX_AMOUNT = 1_000_000_000
# A bare number below this is asked about (see the module docstring): no month's income is
# that small, so a unit was left out. Below BARE_THOUSANDS it may be "nghìn" or "triệu".
BARE_MINIMUM = 100_000
BARE_THOUSANDS = 10_000
MAX_INPUT = 100  # characters; longer text is not an amount
# Used only to choose between the two readings of "1.500 nghìn" or "1,250 triệu".
PLAUSIBLE = (100_000, MAX_AMOUNT)

MSG_EMPTY = N_("Please type an amount, for example 1.500.000 or 1,5 triệu.")
MSG_NOT_UNDERSTOOD = N_(
    "I could not read “{text}” as an amount of money. Try 1.500.000, 1,5 triệu or 1500k."
)
MSG_NEGATIVE = N_("An amount cannot be negative. Type 0 if there is no income.")
MSG_TOO_LARGE = N_("{amount} is more than {limit} a month. Please check the number.")
MSG_NO_UNIT = N_("“{text}” has no unit. Did you mean {text} nghìn or {text} triệu?")
MSG_NGHIN_OR_DONG = N_("“{text}” has no unit. Did you mean {text} nghìn or {text} đồng?")
MSG_AMBIGUOUS = N_(
    "“{text}” could mean {first} or {second}. Please type the full amount, e.g. 1.500.000."
)
MSG_FRACTION = N_("“{text}” is not a whole number of đồng. Please type the full amount.")

MSG_COUNT_EMPTY = N_("Please type a number, for example 5.")
MSG_COUNT_NOT_UNDERSTOOD = N_(
    "I could not read “{text}” as a number. Please type a number, e.g. 5."
)
MSG_COUNT_NOT_WHOLE = N_("“{text}” is not a whole number. Please type a whole number, e.g. 5.")
MSG_COUNT_RANGE = N_("Please type a number from {minimum} to {maximum}.")

# Parameters holding đồng amounts; `ParseError.message` formats them as money.
_MONEY_PARAMS = frozenset({"amount", "limit", "first", "second"})


class ParseError(ValueError):
    """Input that cannot be read; `reason_msgid` is an English msgid, `params` its fields."""

    def __init__(self, reason_msgid: str, **params: object) -> None:
        self.reason_msgid = reason_msgid
        self.params = params
        super().__init__(self.message(Translator("en")))

    def message(self, translator: Translator) -> str:
        params = {
            key: translator.money(int(value))
            if key in _MONEY_PARAMS and isinstance(value, int)
            else value
            for key, value in self.params.items()
        }
        return translator.gettext(self.reason_msgid, **params)


# ---- tokens ---------------------------------------------------------------------------------

_DIGIT_WORDS = {
    "khong": 0,
    "mot": 1,  # một and mốt fold alike
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,  # "hai mươi tư"
    "nam": 5,
    "lam": 5,  # "mười lăm"
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
_SCALES = {
    "k": 1_000,
    "n": 1_000,  # Babel's compact "560 N"
    "nghin": 1_000,
    "ngan": 1_000,
    "tr": 1_000_000,
    "trieu": 1_000_000,
    "cu": 1_000_000,  # slang "củ"
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
}
_CURRENCY = {"d", "dong", "vnd", "₫"}
_COMBINED = {"trd": ("tr", "d"), "kd": ("k", "d")}  # "1,5 trđ"

_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[a-z]+|₫|\S")
_SPACE_GROUPS = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?: [0-9]{3})+(?![0-9.,])")
_QUALIFIER = re.compile(r"\s*(?:/|\b(?:moi|mot|1)\s)\s*(?:nguoi|thang|th|ng)\b")
_FILLER = re.compile(r"^(?:khoảng|khoang|chừng|tầm)\s+")
_NEGATIVE = re.compile(r"^(?:[-−–]|am\s)")


class Tok(NamedTuple):
    kind: str  # num, digit, muoi, tram, linh, ruoi, scale, cur
    raw: str
    value: int = 0


class Group(NamedTuple):
    value: Decimal
    digits: int | None  # how many digits were written, for "1tr05"; None for "1,5"
    end: int


def _readings(raw: str) -> list[Decimal]:
    """Values a digit string can mean; grouping first. Empty when it is no number at all."""
    seps = [c for c in raw if c in ".,"]
    if not seps:
        return [Decimal(raw)]

    def grouped(text: str, sep: str) -> str | None:
        head, *rest = text.split(sep)
        ok = 1 <= len(head) <= 3 and not head.startswith("0") and all(len(g) == 3 for g in rest)
        return "".join([head, *rest]) if ok else None

    if len(set(seps)) == 2:
        point = seps[-1]
        whole, _, frac = raw.rpartition(point)
        digits = grouped(whole, "," if point == "." else ".")
        if point in whole or digits is None:
            return []
        return [Decimal(f"{digits}.{frac}")]
    if len(seps) > 1:
        digits = grouped(raw, seps[0])
        return [Decimal(digits)] if digits else []
    head, _, tail = raw.partition(seps[0])
    decimal = Decimal(f"{head}.{tail}")
    digits = grouped(raw, seps[0]) if len(tail) == 3 else None
    return [Decimal(digits), decimal] if digits else [decimal]


def _tokens(folded: str) -> list[Tok] | None:
    tokens: list[Tok] = []
    for raw in _TOKEN.findall(folded):
        for part in _COMBINED.get(raw, (raw,)):
            if is_digits(part[0]):
                tokens.append(Tok("num", part))
            elif part in _DIGIT_WORDS:
                tokens.append(Tok("digit", part, _DIGIT_WORDS[part]))
            elif part in _SCALES:
                tokens.append(Tok("scale", part, _SCALES[part]))
            elif part in _CURRENCY:
                tokens.append(Tok("cur", part))
            elif part in {"muoi", "tram", "linh", "le", "ruoi"}:
                tokens.append(Tok("linh" if part == "le" else part, part))
            else:
                return None
    return tokens


# ---- grammar --------------------------------------------------------------------------------


def _kind(toks: list[Tok], i: int) -> str | None:
    return toks[i].kind if i < len(toks) else None


def _tens(toks: list[Tok], i: int) -> tuple[int, int, int] | None:
    """Words below 100 at toks[i]: (value, digits written, next index)."""
    if _kind(toks, i) == "muoi":  # "mười", "mười lăm"
        if _kind(toks, i + 1) == "digit":
            return 10 + toks[i + 1].value, 2, i + 2
        return 10, 2, i + 1
    if _kind(toks, i) != "digit":
        return None
    first = toks[i].value
    if _kind(toks, i + 1) == "muoi":  # "hai mươi", "hai mươi mốt"
        if _kind(toks, i + 2) == "digit":
            return first * 10 + toks[i + 2].value, 2, i + 3
        return first * 10, 2, i + 2
    if _kind(toks, i + 1) == "digit":  # spoken shorthand "hai lăm" = 25
        return first * 10 + toks[i + 1].value, 2, i + 2
    return first, 1, i + 1


def _group(toks: list[Tok], i: int, values: dict[int, Decimal]) -> Group | None:
    """A number below a scale word: digits ("1500", "1,5", "5 trăm") or words ("hai trăm rưỡi")."""
    kind = _kind(toks, i)
    if kind == "num":
        value = values[i]
        digits = len(toks[i].raw) if is_digits(toks[i].raw) else None
        if _kind(toks, i + 1) != "tram":
            return Group(value, digits, i + 1)
        if digits != 1:
            return None
        hundreds, i = int(value), i + 1
    elif kind == "tram":  # "trăm rưỡi" = 150
        hundreds = 1
    elif kind == "digit" and _kind(toks, i + 1) == "tram":
        hundreds, i = toks[i].value, i + 1
    else:
        tens = _tens(toks, i)
        return Group(Decimal(tens[0]), tens[1], tens[2]) if tens else None
    i += 1  # past "trăm"
    value = hundreds * 100
    if _kind(toks, i) == "ruoi":
        return Group(Decimal(value + 50), 3, i + 1)
    if _kind(toks, i) == "linh" and _kind(toks, i + 1) == "digit":  # "một trăm linh năm"
        return Group(Decimal(value + toks[i + 1].value), 3, i + 2)
    tens = _tens(toks, i)
    if tens is None:
        return Group(Decimal(value), 3, i)
    # "hai trăm năm" is spoken shorthand for 250
    extra = tens[0] * 10 if tens[1] == 1 else tens[0]
    return Group(Decimal(value + extra), 3, tens[2])


class _Ambiguous(Exception):
    def __init__(self, first: Decimal, second: Decimal) -> None:
        self.first, self.second = first, second


def _evaluate(toks: list[Tok], values: dict[int, Decimal]) -> Decimal | None:
    """The amount the tokens spell, given one reading of each digit string; None if no amount."""
    total, previous, i = Decimal(0), None, 0
    while i < len(toks):
        if i == 0 and toks[0].kind == "scale" and _kind(toks, 1) == "ruoi":  # "triệu rưỡi"
            group = Group(Decimal(1), 1, 0)
        else:
            group = _group(toks, i, values)
            if group is None:
                return None
        i = group.end
        if _kind(toks, i) != "scale":
            if i != len(toks):
                return None
            if previous is None:  # a bare number
                return group.value
            # Shorthand after a unit: "1tr5", "1tr05", "1 triệu 500"
            zeros = len(str(previous)) - 1
            if group.digits is None or group.value >= 10**group.digits or group.digits > zeros:
                return None
            decimal = group.value * previous / 10**group.digits
            if 3 < group.digits < zeros:  # "1tr5000": 1,5 triệu or 1.005.000?
                raise _Ambiguous(total + decimal, total + group.value)
            return total + decimal
        scale = toks[i].value
        if previous is not None and (
            scale >= previous or group.value * scale >= previous or group.digits is None
        ):
            return None
        total += group.value * scale
        previous, i = scale, i + 1
        if _kind(toks, i) == "ruoi":  # "1 triệu rưỡi": half the unit, and nothing after
            if group.digits is None or i + 1 != len(toks):
                return None
            return total + Decimal(scale) / 2
        if group.digits is None and i != len(toks):  # nothing may follow "1,5 triệu"
            return None
    return total


# ---- public ---------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    casefolded = " ".join(nfc(text).casefold().split())
    folded = fold(_FILLER.sub("", casefolded)).replace("₫", " ₫ ").strip(" .,;!")
    folded = _QUALIFIER.sub("", folded)
    return _SPACE_GROUPS.sub(lambda m: m.group(0).replace(" ", ""), " ".join(folded.split()))


def parse_money(text: str) -> int:
    """Đồng from how a person typed it; raises ParseError with a reason to re-prompt with."""
    shown = " ".join(nfc(text).split())
    folded = _normalise(text)
    if not folded:
        raise ParseError(MSG_EMPTY)
    if _NEGATIVE.match(folded):
        raise ParseError(MSG_NEGATIVE)
    toks = _tokens(folded) if len(folded) <= MAX_INPUT else None
    if toks is None or sum(t.kind == "num" for t in toks) > 4:
        raise ParseError(MSG_NOT_UNDERSTOOD, text=shown)
    has_currency = False
    while toks and toks[-1].kind == "cur":
        toks, has_currency = toks[:-1], True
    while toks and toks[0].kind == "cur":
        toks, has_currency = toks[1:], True
    if not toks or any(t.kind == "cur" for t in toks):
        raise ParseError(MSG_NOT_UNDERSTOOD, text=shown)

    has_scale = any(t.kind == "scale" for t in toks)
    numbers = [i for i, t in enumerate(toks) if t.kind == "num"]
    options = []
    for i in numbers:
        readings = _readings(toks[i].raw)
        if not readings:
            raise ParseError(MSG_NOT_UNDERSTOOD, text=shown)
        # Without a unit "800.000" can only group thousands: đồng have no decimals.
        options.append(readings if has_scale else readings[:1])

    totals: set[Decimal] = set()
    for choice in itertools.product(*options):
        try:
            total = _evaluate(toks, dict(zip(numbers, choice, strict=True)))
        except _Ambiguous as exc:
            raise ParseError(
                MSG_AMBIGUOUS, text=shown, first=int(exc.first), second=int(exc.second)
            ) from None
        if total is not None:
            totals.add(total)
    if not totals:
        raise ParseError(MSG_NOT_UNDERSTOOD, text=shown)

    whole = sorted(t for t in totals if t == t.to_integral_value())
    if not whole:
        if not has_scale:
            raise ParseError(MSG_NO_UNIT, text=shown)
        raise ParseError(MSG_FRACTION, text=shown)
    if len(whole) > 1:
        likely = [t for t in whole if PLAUSIBLE[0] <= t <= PLAUSIBLE[1]]
        if not likely and whole[0] > MAX_AMOUNT:
            raise ParseError(MSG_TOO_LARGE, amount=int(whole[0]), limit=MAX_AMOUNT)
        if len(likely) != 1:
            raise ParseError(MSG_AMBIGUOUS, text=shown, first=int(whole[0]), second=int(whole[1]))
        whole = likely
    amount = int(whole[0])
    if not has_scale and not has_currency and 0 < amount < BARE_MINIMUM:
        raise ParseError(MSG_NO_UNIT if amount < BARE_THOUSANDS else MSG_NGHIN_OR_DONG, text=shown)
    if amount > MAX_AMOUNT:
        raise ParseError(MSG_TOO_LARGE, amount=amount, limit=MAX_AMOUNT)
    return amount


_COUNT_PREFIX = re.compile(r"^(?:ho\s+)?(?:co|gom)\s+")
_COUNT_SUFFIX = re.compile(r"\s*(?:nguoi|nhan khau|khau|thanh vien|ng)$")


def parse_count(text: str, *, minimum: int = 1, maximum: int = 50) -> int:
    """A small whole number such as household members: "5", "năm", "5 người", "mười hai"."""
    shown = " ".join(nfc(text).split())
    folded = fold(text).strip(" .,;!")
    folded = _COUNT_SUFFIX.sub("", _COUNT_PREFIX.sub("", folded)).strip()
    if not folded:
        raise ParseError(MSG_COUNT_EMPTY)
    if _NEGATIVE.match(folded):
        raise ParseError(MSG_COUNT_RANGE, minimum=minimum, maximum=maximum)
    if re.fullmatch(r"[0-9]+", folded):
        value = int(folded)
    elif re.fullmatch(r"[0-9]+[.,][0-9]+", folded):
        raise ParseError(MSG_COUNT_NOT_WHOLE, text=shown)
    else:
        toks = _tokens(folded)
        group = _group(toks, 0, {}) if toks and all(t.kind != "num" for t in toks) else None
        if group is None or group.end != len(toks or ()):
            raise ParseError(MSG_COUNT_NOT_UNDERSTOOD, text=shown)
        value = int(group.value)
    if not minimum <= value <= maximum:
        raise ParseError(MSG_COUNT_RANGE, minimum=minimum, maximum=maximum)
    return value
