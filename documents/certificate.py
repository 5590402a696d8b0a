"""The certificate's context (Mẫu số 03 of QĐ 24/2021): each year of the standard's period with
the class the decision that concerned the household recognised, and that decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from documents.contexts import (
    CERTIFICATE_BLANK,
    HEAD,
    KLASS_SHORT,
    Issuer,
    dated,
    lists_year,
    standard_basis,
)
from domain.documents import BLANK, in_sentence
from domain.i18n import Translator
from domain.standards import Standard
from storage.documents import Place, Recognition
from storage.models import OrgUnit
from storage.models_procedure import ReviewRound
from storage.models_register import Household


@dataclass(frozen=True)
class YearMark:
    """A year's row of a certificate: the class the decision recognised for that year's lists,
    the deprivations it was decided on, and that decision (its round)."""

    status: str  # poor | near_poor
    deprived: Sequence[str]
    decision: ReviewRound


@dataclass(frozen=True)
class Certified:
    household: Household
    hamlet: OrgUnit
    years: Mapping[int, YearMark]  # by the year of the lists; a year missing is left blank


def year_marks(
    found: Sequence[Recognition], *, fallback: Sequence[str] = ()
) -> dict[int, YearMark]:
    """Each year's class from the decisions that concerned a household (oldest first): the year
    of a decision's lists (an annual review's: the next year) gets the class the latest of them
    left the household in, when poor or near-poor. A decision that recorded no deprivations
    keeps the ones last decided (`fallback` before any)."""
    marks: dict[int, YearMark] = {}
    deprived: Sequence[str] | None = None
    for r in found:
        if r.deprived is not None:
            deprived = r.deprived
        if r.after.status in KLASS_SHORT and r.after.active:
            marks[lists_year(r.round)] = YearMark(
                r.after.status, deprived if deprived is not None else fallback, r.round
            )
    return marks


def latest_decision(marks: Mapping[int, YearMark]) -> ReviewRound | None:
    """The latest decision of the ones that recognised the household's classes."""
    rounds = [m.decision for m in marks.values()]
    return max(rounds, key=lambda r: (r.decision_date, r.id), default=None)  # type: ignore[arg-type,return-value]


def certificate_context(
    t: Translator,
    items: Sequence[Certified],
    where: Place,
    standard: Standard,
    *,
    year: int,
    day: date | None,
    signer: str,
) -> dict[str, Any]:
    """Mẫu số 03 of QĐ 24/2021, one certificate per household: each year of the standard's
    period with the class its decision recognised. Dated `day` (blank: `year`'s line to fill)."""
    issuer = Issuer.of(where)
    codes = [i.code for i in standard.indicators]
    legend = "; ".join(f"{n}. {i.name}" for n, i in enumerate(standard.indicators, start=1))
    period = f"{standard.valid_from.year} – {standard.valid_to.year}"
    certificates = []
    for item in items:
        h = item.household
        # An address in running text: "thôn Đông, xã Gia Viễn, tỉnh Ninh Bình".
        places = (item.hamlet.name, issuer.name, issuer.province)
        address = ", ".join(in_sentence(p) for p in places if p)
        # Every ethnic group but the Kinh is an ethnic minority; which one is not recorded.
        ethnicity = BLANK if h.ethnic_minority else "Kinh"
        members = [{"no": 1, "name": h.head_name, "ethnicity": ethnicity, "relation": t(HEAD)}]
        members += [
            {"no": n, "name": "", "ethnicity": "", "relation": ""}
            for n in range(2, max(h.members, 1) + 1)
        ]
        years = []
        for y in range(standard.valid_from.year, standard.valid_to.year + 1):
            mark = item.years.get(y)
            decided = mark.decision if mark else None
            years.append(
                {
                    "year": y,
                    "klass": KLASS_SHORT[mark.status] if mark else "",
                    "deprived": (
                        ", ".join(str(codes.index(c) + 1) for c in codes if c in mark.deprived)
                        if mark
                        else ""
                    ),
                    # The decision that recognised the year's class, for a template to cite.
                    "decision": (decided.decision_number or "") if decided else "",
                    "decided_on": (
                        t.date(decided.decision_date) if decided and decided.decision_date else ""
                    ),
                }
            )
        certificates.append(
            {
                "number": CERTIFICATE_BLANK,
                "head": h.head_name,
                "ethnicity": ethnicity,
                "address": address,
                "members": members,
                "period": period,
                "years": years,
                "legend": legend,
            }
        )
    return {
        **issuer.fields(),
        "date_line": dated(t, issuer, day, year),
        "standard_basis": standard_basis(standard),
        "signer": signer,
        "certificates": certificates,
    }
