"""Each document made from the database: read (storage.documents), fill (documents.contexts),
render (documents.templates or the XLSX builder). Callers check who may see the record first:
the API by the token's scope, the chat by the action that attached the document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from documents.certificate import Certified, certificate_context, latest_decision, year_marks
from documents.contexts import (
    decision_context,
    decision_lists,
    lists_year,
    minutes_context,
    posting_context,
)
from documents.files import MEDIA_TYPES, File
from documents.posting_xlsx import posting_workbook
from documents.templating import Templates
from domain import procedure as proc
from domain.decision_lists import LIST_NEAR_POOR, LIST_POOR, State
from domain.i18n import N_, Translator
from domain.standards import Standard, get_standard, standard_for
from storage.documents import (
    Recognition,
    assessments_of,
    latest_assessment,
    meeting_sheet,
    place_of,
    recognitions,
    round_sheet,
)
from storage.models import OrgUnit
from storage.models_procedure import HamletMeeting, ReviewRound
from storage.models_register import Household

VI = Translator("vi")  # the documents are Vietnamese whatever the reader's language
GROUPS = ("poor", "near_poor")
NAMES = {
    "minutes": N_("Minutes of the hamlet meeting {hamlet} {day}"),
    "posting": N_("Posting list {unit} {round}"),
    "decision": N_("Decision {unit} {round}"),
    "decision_draft": N_("Draft decision {unit} {round}"),
    "certificate": N_("Certificate {code}"),
    "certificates": N_("Certificates {unit} {round}"),
}


class DocumentRefused(Exception):
    """The document cannot be made for this record; `code` is the API's error."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _file(name: str, fmt: str, content: bytes) -> File:
    return File(f"{name}.{fmt}", MEDIA_TYPES[fmt], content)


def _round_name(rnd: ReviewRound) -> str:
    return rnd.code


async def minutes_file(db: AsyncSession, templates: Templates, meeting: HamletMeeting) -> File:
    sheet = await meeting_sheet(db, meeting)
    rnd = await db.get(ReviewRound, meeting.round_id) if meeting.round_id else None
    context = minutes_context(VI, sheet, rnd, proc.procedure())
    name = VI(NAMES["minutes"], hamlet=sheet.hamlet.name, day=meeting.held_on.isoformat())
    return _file(name, "docx", templates.render("minutes", context))


async def posting_file(
    db: AsyncSession,
    templates: Templates,
    rnd: ReviewRound,
    *,
    hamlet: OrgUnit | None,
    fmt: str,
    today: date,
) -> File:
    sheet = await round_sheet(db, rnd)
    context = posting_context(VI, sheet, hamlet, today)
    unit = hamlet.name if hamlet else sheet.place.commune.name
    name = VI(NAMES["posting"], unit=unit, round=_round_name(rnd))
    if fmt == "xlsx":
        return _file(name, fmt, posting_workbook(VI, context))
    return _file(name, fmt, templates.render("posting", context))


def _standard(standard_id: str, standards: Mapping[str, Standard] | None) -> Standard:
    return get_standard(standard_id, standards)


async def decision_file(
    db: AsyncSession,
    templates: Templates,
    rnd: ReviewRound,
    *,
    standards: Mapping[str, Standard] | None,
    today: date,
) -> File:
    """The commune's decision (a draft to sign while the round is open or posted)."""
    sheet = await round_sheet(db, rnd)
    context = decision_context(VI, sheet, _standard(rnd.standard_id, standards), today)
    which = "decision" if rnd.status == proc.CLOSED else "decision_draft"
    name = VI(NAMES[which], unit=sheet.place.commune.name, round=_round_name(rnd))
    return _file(name, "docx", templates.render("decision", context))


def _before(a: ReviewRound, b: ReviewRound) -> bool:
    """Whether `a` was decided before `b` (every decided round is before an undecided one)."""
    if b.decision_date is None:
        return a.decision_date is not None
    return a.decision_date is not None and (a.decision_date, a.id) < (b.decision_date, b.id)  # type: ignore[operator]


async def round_certificates(
    db: AsyncSession,
    templates: Templates,
    rnd: ReviewRound,
    *,
    standards: Mapping[str, Standard] | None,
) -> File:
    """A certificate for every household on the round's poor and near-poor lists: the round's
    year with the class its lists give, and the years the decisions before it recognised."""
    sheet = await round_sheet(db, rnd)
    lists = decision_lists(VI, sheet)
    chosen = [(h, hamlet, LIST_POOR) for h, hamlet, _ in lists[LIST_POOR]]
    chosen += [(h, hamlet, LIST_NEAR_POOR) for h, hamlet, _ in lists[LIST_NEAR_POOR]]
    if not chosen:
        raise DocumentRefused("no_households")
    households = [h for h, _, _ in chosen]
    found = await recognitions(db, households)
    assessed = await assessments_of(db, [h.id for h in households])  # type: ignore[misc]
    items = []
    for h, hamlet, status in chosen:
        decided = found.get(h.id, [])  # type: ignore[call-overload]
        own = next((r for r in decided if r.round.id == rnd.id), None)
        # The round's own lists give its year's class, whatever was decided after it.
        this = Recognition(rnd, State(status), own.deprived if own else None)
        latest = assessed.get(h.id)  # type: ignore[call-overload]
        marks = year_marks(
            [r for r in decided if _before(r.round, rnd)] + [this],
            fallback=latest.deprived if latest else (),
        )
        items.append(Certified(h, hamlet, marks))
    context = certificate_context(
        VI,
        items,
        sheet.place,
        _standard(rnd.standard_id, standards),
        year=lists_year(rnd),
        day=rnd.decision_date,
        signer=rnd.decision_signer or "",
    )
    name = VI(NAMES["certificates"], unit=sheet.place.commune.name, round=_round_name(rnd))
    return _file(name, "docx", templates.render("certificate", context))


async def household_certificate(
    db: AsyncSession,
    templates: Templates,
    household: Household,
    *,
    standards: Mapping[str, Standard] | None,
    today: date,
) -> File:
    """The certificate of one poor or near-poor household: each year with the class the
    decision that concerned it recognised (a year no decision concerned is left blank), dated
    and signed as the latest of those decisions."""
    if not household.active or household.status not in GROUPS:
        raise DocumentRefused("not_poor_or_near_poor")
    hamlet = await db.get(OrgUnit, household.hamlet_id)
    assert hamlet is not None
    found = (await recognitions(db, [household])).get(household.id, [])  # type: ignore[call-overload]
    assessment = await latest_assessment(db, household.id)  # type: ignore[arg-type]
    marks = year_marks(found, fallback=assessment.deprived if assessment else ())
    rnd = latest_decision(marks)
    year = lists_year(rnd) if rnd else today.year
    if rnd is not None:
        standard = _standard(rnd.standard_id, standards)
    elif assessment is not None and assessment.standard_id:
        standard = _standard(assessment.standard_id, standards)
    else:
        standard = standard_for(date(year, 1, 1), standards)
    context = certificate_context(
        VI,
        [Certified(household, hamlet, marks)],
        await place_of(db, hamlet),
        standard,
        year=year,
        day=rnd.decision_date if rnd else None,
        signer=(rnd.decision_signer or "") if rnd else "",
    )
    name = VI(NAMES["certificate"], code=household.code)
    return _file(name, "docx", templates.render("certificate", context))
