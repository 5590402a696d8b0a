"""Poverty standards (chuẩn nghèo đa chiều) as versioned data, validated on load.

Each standard is one JSON file in `domain/standards_data/`, named after its id. An officer corrects
a line or an indicator by editing that file, or by putting a complete corrected copy (same file
name) in an override directory passed to `load_standards(directory)`: a file there replaces the
shipped standard with the same id, and a new id adds a standard. Every file is validated on load;
a mistake raises `StandardsError` naming the file and the field.

File shape (all money in đồng per person per month):

    id, name, legal_basis, document (optional), valid_from, valid_to (YYYY-MM-DD),
    provisional (bool), notes,
    sources: [{url, about}] (optional: where each fact was read, so a reader can check it),
    area_names: {rural, urban} (optional: the text's own words, e.g. NĐ 351/2025 says "đô thị"
        where NĐ 07/2021 says "thành thị"; default "nông thôn" / "thành thị"),
    poor_min_deprivations (int),
    lines: {rural|urban: {poverty_line, income_poor_line (or null), average_line (or null)}},
    dimensions: [{code, name}],
    indicators: [{code, dimension, name, question, condition, help, provisional (optional bool)}]

Every `question` is phrased so that the answer "yes" (có) means the household is deprived.
`document` is the legal document by which people know the standard ("Nghị định 07/2021/NĐ-CP"):
what a person reads in the chat ("chuẩn nghèo theo Nghị định 07/2021/NĐ-CP"), never the id.
`provisional` on a standard or an indicator marks what was not checked against the signed text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from domain.i18n import nfc

DATA_DIR = Path(__file__).resolve().parent / "standards_data"
AREAS = ("rural", "urban")

_CODE = re.compile(r"[a-z][a-z0-9_]*")
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_TOP_FIELDS = {
    "id",
    "name",
    "legal_basis",
    "document",
    "valid_from",
    "valid_to",
    "provisional",
    "notes",
    "sources",
    "area_names",
    "poor_min_deprivations",
    "lines",
    "dimensions",
    "indicators",
}
_LINE_FIELDS = {"poverty_line", "income_poor_line", "average_line"}
_DIMENSION_FIELDS = {"code", "name"}
_INDICATOR_FIELDS = {
    "code",
    "dimension",
    "name",
    "question",
    "household_question",
    "condition",
    "help",
    "provisional",
}
_SOURCE_FIELDS = {"url", "about"}
# NĐ 07/2021 and QĐ 59/2015 say "thành thị"; a file for a text that says otherwise names its own.
DEFAULT_AREA_NAMES = {"rural": "nông thôn", "urban": "thành thị"}


class StandardsError(ValueError):
    """A standards file is missing, malformed or inconsistent, or no standard matches."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        prefix = ": ".join(part for part in (source, field) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.source = source
        self.field = field


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    name: str
    question: str
    condition: str
    help: str
    provisional: bool = False
    # The same question put to the household itself ("Nhà bạn có …?"), for its own request
    # (Mẫu 01); "" when the file gives none, and then `question` is asked.
    household_question: str = ""

    def asked_of_household(self) -> str:
        return self.household_question or self.question


@dataclass(frozen=True)
class Source:
    """Where a fact in the file was read: an address and what it was read for."""

    url: str
    about: str


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str


@dataclass(frozen=True)
class AreaLines:
    """Income lines for one area, đồng per person per month."""

    # At or below it the deprivation count decides poor vs near-poor.
    poverty_line: int
    # At or below it a household is poor whatever its deprivations (QĐ 59/2015 only).
    income_poor_line: int | None = None
    # Upper end of the average-living-standard band above poverty_line, where defined.
    average_line: int | None = None


@dataclass(frozen=True)
class Standard:
    id: str
    name: str
    legal_basis: str
    valid_from: date
    valid_to: date
    provisional: bool
    notes: str
    poor_min_deprivations: int
    rural: AreaLines
    urban: AreaLines
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    sources: tuple[Source, ...] = ()
    rural_name: str = DEFAULT_AREA_NAMES["rural"]
    urban_name: str = DEFAULT_AREA_NAMES["urban"]
    document: str = ""  # the legal document people know it by; "" when the file gives none
    source: str = field(default="", compare=False)

    @property
    def cited_as(self) -> str:
        """How people name it: its legal document ("Nghị định 07/2021/NĐ-CP"), else its name."""
        return self.document or self.name

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    def lines(self, area: str) -> AreaLines:
        if area not in AREAS:
            raise ValueError(f"unknown area {area!r}; expected one of {', '.join(AREAS)}")
        return self.rural if area == "rural" else self.urban

    def area_name(self, area: str) -> str:
        """The area as this standard's text words it, lower case: "nông thôn", "đô thị"."""
        if area not in AREAS:
            raise ValueError(f"unknown area {area!r}; expected one of {', '.join(AREAS)}")
        return self.rural_name if area == "rural" else self.urban_name

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


class _Reader:
    """Typed access to one JSON object; every error names the file and the dotted field path."""

    def __init__(self, data: object, source: str, path: str, allowed: set[str]) -> None:
        if not isinstance(data, dict):
            raise StandardsError("must be an object", source=source, field=path or None)
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise StandardsError(
                f"unknown field {unknown[0]!r} (expected: {', '.join(sorted(allowed))})",
                source=source,
                field=path or None,
            )
        self.data, self.source, self.path = data, source, path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> StandardsError:
        return StandardsError(message, source=self.source, field=self.where(key))

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise self.fail(key, "missing")
        return self.data[key]

    def text(self, key: str, *, pattern: re.Pattern[str] | None = None) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        value = nfc(value.strip())
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(key, f"{value!r} must match {pattern.pattern}")
        return value

    def optional_text(self, key: str) -> str:
        if self.data.get(key) in (None, ""):
            return ""
        return self.text(key)

    def integer(self, key: str, *, optional: bool = False) -> int | None:
        value = self.data.get(key) if optional else self.raw(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, f"must be a whole number ≥ 0, got {value!r}")
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def day(self, key: str) -> date:
        value = self.raw(key)
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.fail(key, f"must be a date YYYY-MM-DD, got {value!r}") from None

    def items(self, key: str) -> list[Any]:
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list")
        return value


def _parse_lines(reader: _Reader, area: str) -> AreaLines:
    lines = _Reader(reader.raw("lines"), reader.source, "lines", set(AREAS))
    r = _Reader(lines.raw(area), reader.source, f"lines.{area}", _LINE_FIELDS)
    poverty = r.integer("poverty_line")
    income_poor = r.integer("income_poor_line", optional=True)
    average = r.integer("average_line", optional=True)
    assert poverty is not None
    if poverty <= 0:
        raise r.fail("poverty_line", "must be more than 0")
    if income_poor is not None and income_poor >= poverty:
        raise r.fail("income_poor_line", f"must be below poverty_line ({poverty})")
    if average is not None and average <= poverty:
        raise r.fail("average_line", f"must be above poverty_line ({poverty})")
    return AreaLines(poverty_line=poverty, income_poor_line=income_poor, average_line=average)


def _parse_sources(reader: _Reader) -> tuple[Source, ...]:
    raw = reader.data.get("sources")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise reader.fail("sources", "must be a list of {url, about}")
    sources = []
    for n, item in enumerate(raw):
        r = _Reader(item, reader.source, f"sources[{n}]", _SOURCE_FIELDS)
        sources.append(Source(url=r.text("url"), about=r.text("about")))
    return tuple(sources)


def _parse_area_names(reader: _Reader) -> dict[str, str]:
    if reader.data.get("area_names") is None:
        return dict(DEFAULT_AREA_NAMES)
    r = _Reader(reader.raw("area_names"), reader.source, "area_names", set(AREAS))
    return {area: r.text(area).lower() for area in AREAS}


def parse_standard(data: object, *, source: str = "<data>") -> Standard:
    """Validate one standard given as decoded JSON (a file, or rows rebuilt into this shape)."""
    r = _Reader(data, source, "", _TOP_FIELDS)
    valid_from, valid_to = r.day("valid_from"), r.day("valid_to")
    if valid_to < valid_from:
        raise r.fail("valid_to", f"{valid_to} is before valid_from {valid_from}")

    dimensions: list[Dimension] = []
    for n, item in enumerate(r.items("dimensions")):
        d = _Reader(item, source, f"dimensions[{n}]", _DIMENSION_FIELDS)
        dimension = Dimension(code=d.text("code", pattern=_CODE), name=d.text("name"))
        if any(x.code == dimension.code for x in dimensions):
            raise d.fail("code", f"duplicate dimension {dimension.code!r}")
        dimensions.append(dimension)
    dimension_codes = {d.code for d in dimensions}

    indicators: list[Indicator] = []
    for n, item in enumerate(r.items("indicators")):
        i = _Reader(item, source, f"indicators[{n}]", _INDICATOR_FIELDS)
        indicator = Indicator(
            code=i.text("code", pattern=_CODE),
            dimension=i.text("dimension"),
            name=i.text("name"),
            question=i.text("question"),
            condition=i.text("condition"),
            help=i.text("help"),
            provisional=i.boolean("provisional"),
            household_question=i.optional_text("household_question"),
        )
        if any(x.code == indicator.code for x in indicators):
            raise i.fail("code", f"duplicate indicator {indicator.code!r}")
        if indicator.dimension not in dimension_codes:
            raise i.fail("dimension", f"{indicator.dimension!r} is not in dimensions")
        if not indicator.question.endswith("?"):
            raise i.fail("question", "must be a question ending with '?'")
        if indicator.household_question and not indicator.household_question.endswith("?"):
            raise i.fail("household_question", "must be a question ending with '?'")
        indicators.append(indicator)

    area_names = _parse_area_names(r)
    minimum = r.integer("poor_min_deprivations")
    assert minimum is not None
    if not 1 <= minimum <= len(indicators):
        raise r.fail("poor_min_deprivations", f"must be between 1 and {len(indicators)}")

    return Standard(
        id=r.text("id", pattern=_ID),
        name=r.text("name"),
        legal_basis=r.text("legal_basis"),
        valid_from=valid_from,
        valid_to=valid_to,
        provisional=r.boolean("provisional"),
        notes=r.optional_text("notes"),
        poor_min_deprivations=minimum,
        rural=_parse_lines(r, "rural"),
        urban=_parse_lines(r, "urban"),
        dimensions=tuple(dimensions),
        indicators=tuple(indicators),
        sources=_parse_sources(r),
        rural_name=area_names["rural"],
        urban_name=area_names["urban"],
        document=r.optional_text("document"),
        source=source,
    )


def load_standard_file(path: Path) -> Standard:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StandardsError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=path.name
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StandardsError(f"cannot read: {exc}", source=path.name) from None
    standard = parse_standard(data, source=path.name)
    if standard.id != path.stem:
        raise StandardsError(
            f"{standard.id!r} must match the file name {path.stem!r}", source=path.name, field="id"
        )
    return standard


def _load_directory(directory: Path) -> dict[str, Standard]:
    if not directory.is_dir():
        raise StandardsError(f"standards directory {directory} does not exist")
    return {s.id: s for s in map(load_standard_file, sorted(directory.glob("*.json")))}


def load_standards(directory: Path | None = None) -> Mapping[str, Standard]:
    """The shipped standards, with those in `directory` replacing or adding by id; by date."""
    standards = _load_directory(DATA_DIR)
    if directory is not None:
        standards.update(_load_directory(Path(directory)))
    ordered = sorted(standards.values(), key=lambda s: s.valid_from)
    for earlier, later in pairwise(ordered):
        if later.valid_from <= earlier.valid_to:
            raise StandardsError(
                f"validity {later.valid_from}..{later.valid_to} overlaps {earlier.id} "
                f"({earlier.valid_from}..{earlier.valid_to}); a date must pick one standard",
                source=later.source,
                field="valid_from",
            )
    return MappingProxyType({s.id: s for s in ordered})


@cache
def default_standards() -> Mapping[str, Standard]:
    return load_standards()


def _known(standards: Mapping[str, Standard]) -> str:
    return "; ".join(f"{s.id} ({s.valid_from}..{s.valid_to})" for s in standards.values())


def get_standard(standard_id: str, standards: Mapping[str, Standard] | None = None) -> Standard:
    standards = default_standards() if standards is None else standards
    try:
        return standards[standard_id]
    except KeyError:
        raise StandardsError(
            f"unknown standard {standard_id!r}; known: {_known(standards)}"
        ) from None


def standard_for(day: date, standards: Mapping[str, Standard] | None = None) -> Standard:
    """The standard in force on `day`."""
    standards = default_standards() if standards is None else standards
    for standard in standards.values():
        if standard.covers(day):
            return standard
    raise StandardsError(
        f"no poverty standard covers {day.isoformat()}; known: {_known(standards)}"
    )
