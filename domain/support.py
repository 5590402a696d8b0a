"""Support for poor households as data: the kinds of support, the kinds of supporter, and which
kinds address each missing indicator and each cause of poverty — validated on load.

Two JSON files in `domain/support_data/`: `kinds.json` (support_kinds, supporter_kinds) and
`addresses.json` (indicators, causes: code -> {kinds, source, provisional}). Every file names its
sources; `provisional` marks a judgement, not something read in a text. The need computation here
is pure: storage gathers the facts (assessment, causes, helper, supports, plan) and asks it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from domain.causes import CAUSES
from domain.i18n import nfc
from domain.standards import default_standards

DATA_DIR = Path(__file__).resolve().parent / "support_data"
VALUE_RULES = ("required", "optional", "none")
HELPER = "helper"  # a need is addressed by the household's assigned helper
_CODE = re.compile(r"[a-z][a-z0-9_]{0,23}")


class SupportDataError(ValueError):
    """A support data file is malformed or inconsistent; the message names file and field."""


@dataclass(frozen=True)
class SupportKind:
    code: str
    label: str  # Vietnamese
    label_en: str
    value: str  # required | optional | none: whether an amount in đồng applies
    source: str

    def name(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label


@dataclass(frozen=True)
class SupporterKind:
    code: str
    label: str
    label_en: str
    group: str  # organisation | business | bank | family | officer | other
    source: str

    def name(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label


@dataclass(frozen=True)
class Addresses:
    """The kinds of support that address one need, and where that link comes from."""

    kinds: tuple[str, ...]
    source: str
    provisional: bool


@dataclass(frozen=True)
class SupportData:
    support_kinds: tuple[SupportKind, ...]
    supporter_kinds: tuple[SupporterKind, ...]
    indicators: Mapping[str, Addresses]
    causes: Mapping[str, Addresses]

    def support_kind(self, code: str) -> SupportKind:
        for kind in self.support_kinds:
            if kind.code == code:
                return kind
        raise KeyError(code)

    def supporter_kind(self, code: str) -> SupporterKind:
        for kind in self.supporter_kinds:
            if kind.code == code:
                return kind
        raise KeyError(code)

    @property
    def support_codes(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.support_kinds)

    @property
    def supporter_codes(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.supporter_kinds)


def _fail(source: str, where: str, message: str) -> SupportDataError:
    return SupportDataError(f"{source}: {where}: {message}")


def _fields(item: object, source: str, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _fail(source, where, "must be an object")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise _fail(source, where, f"unknown field {unknown[0]!r}")
    missing = sorted(k for k in allowed - {"notes"} if k not in item)
    if missing:
        raise _fail(source, where, f"missing field {missing[0]!r}")
    return item


def _text(item: dict[str, Any], key: str, source: str, where: str) -> str:
    value = item[key]
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, f"{where}.{key}", "must be a non-empty string")
    return nfc(value.strip())


def _codes(items: list[Any], source: str, where: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for n, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise _fail(source, f"{where}[{n}].code", "must be a code like preferential_loan")
        if code in seen:
            raise _fail(source, f"{where}[{n}].code", f"{code!r} appears twice")
        seen.add(code)
    return items


def _source_ids(data: dict[str, Any], source: str) -> set[str]:
    sources = data["sources"]
    if not isinstance(sources, list) or not sources:
        raise _fail(source, "sources", "must be a non-empty list")
    ids = set()
    for n, item in enumerate(sources):
        _fields(item, source, f"sources[{n}]", {"id", "about"})
        ids.add(_text(item, "id", source, f"sources[{n}]"))
        _text(item, "about", source, f"sources[{n}]")
    return ids


def _parse_kinds(
    data: object, source: str
) -> tuple[tuple[SupportKind, ...], tuple[SupporterKind, ...]]:
    top = _fields(data, source, "top", {"notes", "sources", "support_kinds", "supporter_kinds"})
    ids = _source_ids(top, source)
    support, supporter = [], []
    for key in ("support_kinds", "supporter_kinds"):
        if not isinstance(top[key], list) or not top[key]:
            raise _fail(source, key, "must be a non-empty list")
        _codes(top[key], source, key)
    for n, item in enumerate(top["support_kinds"]):
        where = f"support_kinds[{n}]"
        _fields(item, source, where, {"code", "label", "label_en", "value", "source"})
        if item["value"] not in VALUE_RULES:
            raise _fail(source, f"{where}.value", f"must be one of {', '.join(VALUE_RULES)}")
        if item["source"] not in ids:
            raise _fail(source, f"{where}.source", f"{item['source']!r} is not in sources")
        support.append(
            SupportKind(
                item["code"],
                _text(item, "label", source, where),
                _text(item, "label_en", source, where),
                item["value"],
                item["source"],
            )
        )
    for n, item in enumerate(top["supporter_kinds"]):
        where = f"supporter_kinds[{n}]"
        _fields(item, source, where, {"code", "label", "label_en", "group", "source"})
        if item["source"] not in ids:
            raise _fail(source, f"{where}.source", f"{item['source']!r} is not in sources")
        supporter.append(
            SupporterKind(
                item["code"],
                _text(item, "label", source, where),
                _text(item, "label_en", source, where),
                _text(item, "group", source, where),
                item["source"],
            )
        )
    return tuple(support), tuple(supporter)


def _parse_map(
    items: object, source: str, where: str, *, kinds: set[str], ids: set[str], expected: set[str]
) -> Mapping[str, Addresses]:
    if not isinstance(items, dict):
        raise _fail(source, where, "must be an object")
    missing = sorted(expected - set(items))
    if missing:
        raise _fail(source, where, f"no entry for {missing[0]!r}")
    out = {}
    for code, item in items.items():
        at = f"{where}.{code}"
        _fields(item, source, at, {"kinds", "source", "provisional"})
        listed = item["kinds"]
        if not isinstance(listed, list) or not listed:
            raise _fail(source, f"{at}.kinds", "must be a non-empty list")
        unknown = [k for k in listed if k not in kinds]
        if unknown:
            raise _fail(source, f"{at}.kinds", f"{unknown[0]!r} is not a support kind")
        if item["source"] not in ids:
            raise _fail(source, f"{at}.source", f"{item['source']!r} is not in sources")
        if not isinstance(item["provisional"], bool):
            raise _fail(source, f"{at}.provisional", "must be true or false")
        out[code] = Addresses(tuple(listed), item["source"], item["provisional"])
    return MappingProxyType(out)


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SupportDataError(f"{path.name}: cannot read: {exc}") from None


def load_support_data(
    directory: Path | None = None, *, indicator_codes: Iterable[str] | None = None
) -> SupportData:
    """Read and check both files; every indicator of every standard and every cause must be
    mapped (`indicator_codes` defaults to those of the shipped standards)."""
    directory = directory or DATA_DIR
    support, supporter = _parse_kinds(_read(directory / "kinds.json"), "kinds.json")
    source = "addresses.json"
    data = _fields(
        _read(directory / source), source, "top", {"notes", "sources", "indicators", "causes"}
    )
    ids = _source_ids(data, source)
    if indicator_codes is None:
        indicator_codes = {c for s in default_standards().values() for c in s.indicator_codes}
    known = {k.code for k in support}
    indicators = _parse_map(
        data["indicators"],
        source,
        "indicators",
        kinds=known,
        ids=ids,
        expected=set(indicator_codes),
    )
    causes = _parse_map(
        data["causes"], source, "causes", kinds=known, ids=ids, expected={c for c, _ in CAUSES}
    )
    return SupportData(support, supporter, indicators, causes)


@cache
def support_data() -> SupportData:
    return load_support_data()


# ---- needs and who addresses them ------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One missing indicator or cause of poverty of a household, and who addresses it."""

    source: str  # indicator | cause
    code: str
    kinds: tuple[str, ...]  # the kinds of support that would address it
    addressed_by: tuple[str, ...]  # "helper", "support:<kind>", "plan:<kind>"

    @property
    def addressed(self) -> bool:
        return bool(self.addressed_by)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "code": self.code,
            "kinds": list(self.kinds),
            "addressed_by": list(self.addressed_by),
        }


def needs(
    *,
    deprived: Iterable[str],
    causes: Iterable[str],
    helper: bool,
    supported: Iterable[str] = (),
    planned: Iterable[str] = (),
    data: SupportData | None = None,
) -> list[Need]:
    """Each need (missing indicators first, then causes, each once) with what addresses it:
    an active helper addresses every need; a recent support or a planned support addresses the
    needs its kind is listed for. A code the data does not know has no kinds (a helper only)."""
    data = data or support_data()
    got, plan = set(supported), set(planned)
    out: list[Need] = []
    for source, codes, table in (
        ("indicator", deprived, data.indicators),
        ("cause", causes, data.causes),
    ):
        for code in dict.fromkeys(codes):
            entry = table.get(code)
            kinds = entry.kinds if entry else ()
            by = [HELPER] if helper else []
            by += [f"support:{k}" for k in kinds if k in got]
            by += [f"plan:{k}" for k in kinds if k in plan]
            out.append(Need(source, code, kinds, tuple(by)))
    return out


def suggested_kinds(needs_: Iterable[Need]) -> list[str]:
    """The kinds of support that would address the needs nobody addresses, in data order."""
    wanted = {k for n in needs_ if not n.addressed for k in n.kinds}
    return [k.code for k in support_data().support_kinds if k.code in wanted]


def year_before(day: date) -> date:
    """The same day a year earlier (28 Feb for 29 Feb): the start of "the last 12 months"."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def recent(given_on: date, today: date) -> bool:
    """Whether a support given on that day counts as "in the last 12 months" of `today`."""
    return year_before(today) < given_on <= today


MAX_VALUE = 2_000_000_000  # đồng; the column is a 32-bit integer on PostgreSQL
OLDEST = 5  # years: a support older than this is history, not something to record now


def refusal(
    kind: str, value: int | None, given_on: date, today: date, data: SupportData | None = None
) -> str | None:
    """Why a support cannot be recorded as given (a stable code), or None when it can."""
    data = data or support_data()
    try:
        rule = data.support_kind(kind).value
    except KeyError:
        return "unknown_kind"
    if value is not None and not 0 < value <= MAX_VALUE:
        return "value_out_of_range"
    if rule == "required" and value is None:
        return "value_required"
    if rule == "none" and value is not None:
        return "value_not_applicable"
    if given_on > today:
        return "date_in_future"
    if given_on < today.replace(year=today.year - OLDEST, day=min(today.day, 28)):
        return "date_too_old"
    return None
