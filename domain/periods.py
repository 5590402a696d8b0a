"""Opening a reporting period: the code's shape and the deadline rules, for the CLI and the API."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from domain.calendar import ANNUAL, MONTHLY, PeriodSpec, annual, end_of_day, local_day, monthly
from domain.i18n import N_, Translator

KIND_LABELS = {MONTHLY: N_("monthly"), ANNUAL: N_("annual")}
_CODES = {MONTHLY: re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$"), ANNUAL: re.compile(r"^([0-9]{4})$")}


class Refused(Exception):
    """A period that cannot be opened, with the message to show."""


def _deadline(value: date | datetime | None) -> datetime | None:
    """A day means the end of that day in Hà Nội; a moment is kept as it is."""
    if value is None or isinstance(value, datetime):
        return value
    return end_of_day(value)


def build_spec(
    t: Translator,
    *,
    kind: str,
    code: str,
    hamlet_deadline: date | datetime | None = None,
    commune_deadline: date | datetime | None = None,
) -> PeriodSpec:
    """The period for this kind and code, with the given deadlines (else the calendar's)."""
    m = _CODES[kind].match(code)
    if not m:
        raise Refused(
            t(
                "A {kind} period code looks like {example}, got {code}.",
                kind=t(KIND_LABELS[kind]),
                example="2026-11" if kind == MONTHLY else "2026",
                code=code,
            )
        )
    spec = monthly(int(m.group(1)), int(m.group(2))) if kind == MONTHLY else annual(int(m.group(1)))
    spec = replace(
        spec,
        hamlet_deadline=_deadline(hamlet_deadline) or spec.hamlet_deadline,
        commune_deadline=_deadline(commune_deadline) or spec.commune_deadline,
    )
    if local_day(spec.hamlet_deadline) < spec.starts_on:
        raise Refused(
            t(
                "The hamlet deadline is before the period starts ({start}).",
                start=t.date(spec.starts_on),
            )
        )
    if spec.commune_deadline < spec.hamlet_deadline:
        raise Refused(t("The commune deadline is before the hamlet deadline."))
    return spec


def check_standard(t: Translator, known: Iterable[str], standard_id: str | None) -> None:
    known = list(known)
    if standard_id is not None and standard_id not in known:
        raise Refused(
            t("No poverty standard {id}; known: {known}.", id=standard_id, known=", ".join(known))
        )
