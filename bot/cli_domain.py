"""`chungtay classify` and `chungtay standards`: the poverty rules from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from bot.cli_round import RoundError, round_standard
from domain.classify import ClassificationError, classify
from domain.i18n import LOCAL_TZ, SUPPORTED_LOCALES, Translator, format_money
from domain.money import ParseError, parse_count, parse_money
from domain.standards import AREAS, Standard, StandardsError, load_standards


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: use YYYY-MM-DD") from None


def _standards(parser: argparse.ArgumentParser, directory: Path | None) -> Mapping[str, Standard]:
    try:
        return load_standards(directory)
    except StandardsError as exc:
        parser.error(str(exc))


def _add_standards_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--standards-dir",
        type=Path,
        metavar="DIR",
        help="directory of corrected standard files (*.json) replacing the shipped ones by id",
    )


def _run_classify(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    t = Translator(args.locale)

    def read(option: str, parse: Callable[[str], int], text: str) -> int:
        try:
            return parse(text)
        except ParseError as exc:
            parser.error(f"{option}: {exc.message(t)}")

    if args.household_income is not None and args.members is None:
        parser.error("--household-income needs --members (the number of people in the household)")
    if args.income is not None and args.members is not None:
        parser.error("--members goes with --household-income; --income is already per person")
    standards = _standards(parser, args.standards_dir)
    if args.unit is not None and args.round is None:
        parser.error("--unit goes with --round (the commune whose round it is)")
    if args.round is not None:
        try:
            args.standard = round_standard(args.round, args.unit, standards)
        except RoundError as exc:
            parser.error(str(exc))
    day = args.date
    if args.standard is None and day is None:
        day = datetime.now(LOCAL_TZ).date()
    if args.income is not None:
        income = {"income_per_capita": read("--income", parse_money, args.income)}
    else:
        income = {
            "household_income": read("--household-income", parse_money, args.household_income),
            "members": read("--members", parse_count, args.members),
        }
    try:
        result = classify(
            area=args.area,
            deprived=args.deprived.split(","),
            standard=args.standard,
            day=day if args.standard is None else None,
            standards=standards,
            locale=args.locale,
            **income,
        )
    except (ClassificationError, StandardsError) as exc:
        parser.error(str(exc))
    print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    return 0


def _lines_text(standard: Standard, area: str) -> str:
    lines = standard.lines(area)
    parts = [
        f"{area} ({standard.area_name(area)}): poverty line {format_money(lines.poverty_line)}"
    ]
    if lines.income_poor_line is not None:
        parts.append(f"poor on income alone ≤ {format_money(lines.income_poor_line)}")
    if lines.average_line is not None:
        parts.append(f"average ≤ {format_money(lines.average_line)}")
    return "; ".join(parts)


def _standard_json(standard: Standard) -> dict[str, object]:
    return {
        "id": standard.id,
        "name": standard.name,
        "legal_basis": standard.legal_basis,
        "valid_from": standard.valid_from.isoformat(),
        "valid_to": standard.valid_to.isoformat(),
        "provisional": standard.provisional,
        "poor_min_deprivations": standard.poor_min_deprivations,
        "lines": {
            area: {
                "poverty_line": standard.lines(area).poverty_line,
                "income_poor_line": standard.lines(area).income_poor_line,
                "average_line": standard.lines(area).average_line,
            }
            for area in AREAS
        },
        "area_names": {area: standard.area_name(area) for area in AREAS},
        "indicators": list(standard.indicator_codes),
        "provisional_indicators": [i.code for i in standard.indicators if i.provisional],
        "sources": [{"url": s.url, "about": s.about} for s in standard.sources],
    }


def _run_standards(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    standards = _standards(parser, args.standards_dir)
    if args.json:
        rows = [_standard_json(s) for s in standards.values()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    out = sys.stdout
    for standard in standards.values():
        flag = " (provisional)" if standard.provisional else ""
        out.write(f"{standard.id}  {standard.valid_from}..{standard.valid_to}{flag}\n")
        out.write(f"  {standard.legal_basis}\n")
        for area in AREAS:
            out.write(f"  {_lines_text(standard, area)}\n")
        count = len(standard.indicators)
        out.write(
            f"  poor: ≥ {standard.poor_min_deprivations} of {count} deprivations; indicators:\n"
        )
        for indicator in standard.indicators:
            flag = " (provisional)" if indicator.provisional else ""
            out.write(f"    {indicator.code:<18} {indicator.name}{flag}\n")
        for source in standard.sources:
            out.write(f"  source: {source.url}\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    classify_parser = sub.add_parser(
        "classify",
        help="classify one household under a poverty standard (prints JSON)",
        description="Classify a household: poor, near_poor, average or not_poor.",
    )
    which = classify_parser.add_mutually_exclusive_group()
    which.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="pick the standard by date")
    which.add_argument("--standard", metavar="ID", help="standard id, e.g. nd07-2021")
    which.add_argument(
        "--round",
        metavar="CODE",
        help="the standard of a review round: 2026 (annual review, for the 2027 lists) or 2026-11",
    )
    classify_parser.add_argument(
        "--unit",
        metavar="COMMUNE",
        help="with --round: that commune's choice for the round (reads CHUNGTAY_DATABASE_URL)",
    )
    classify_parser.add_argument("--area", required=True, choices=AREAS)
    income = classify_parser.add_mutually_exclusive_group(required=True)
    income.add_argument(
        "--income", metavar="TEXT", help="income per person per month, e.g. '1,5 triệu' or 1tr5"
    )
    income.add_argument(
        "--household-income", metavar="TEXT", help="household income per month (with --members)"
    )
    classify_parser.add_argument("--members", metavar="N", help="people in the household")
    classify_parser.add_argument(
        "--deprived", default="", metavar="CODE,CODE,...", help="indicator codes lacking"
    )
    classify_parser.add_argument("--locale", choices=SUPPORTED_LOCALES, default="vi")
    _add_standards_dir(classify_parser)
    classify_parser.set_defaults(func=lambda args: _run_classify(args, classify_parser))

    standards_parser = sub.add_parser(
        "standards", help="list the poverty standards and their indicator codes"
    )
    standards_parser.add_argument("--json", action="store_true", help="print JSON")
    _add_standards_dir(standards_parser)
    standards_parser.set_defaults(func=lambda args: _run_standards(args, standards_parser))
