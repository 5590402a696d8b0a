"""Each document made from the database: read (storage.documents), fill (documents.contexts),
render (documents.templates or the XLSX builder). Callers check who may see the record first:
the API by the token's scope, the chat by the action that attached the document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from documents.contexts import (
    Certified,
    certificate_context,
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
from domain.decision_lists import LIST_NEAR_POOR, LIST_POOR
from domain.i18n import N_, Translator
from domain.standards import Standard, get_standard, standard_for
from storage.documents import (
    assessments_of,
    last_closed_round,
    latest_assessment,
    meeting_sheet,
    place_of,
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


async def round_certificates(
    db: AsyncSession,
    templates: Templates,
    rnd: ReviewRound,
    *,
    standards: Mapping[str, Standard] | None,
) -> File:
    """A certificate for every household on the round's poor and near-poor lists."""
    sheet = await round_sheet(db, rnd)
    lists = decision_lists(VI, sheet)
    chosen = [(h, hamlet, LIST_POOR) for h, hamlet, _ in lists[LIST_POOR]]
    chosen += [(h, hamlet, LIST_NEAR_POOR) for h, hamlet, _ in lists[LIST_NEAR_POOR]]
    if not chosen:
        raise DocumentRefused("no_households")
    found = await assessments_of(db, [h.id for h, _, _ in chosen])  # type: ignore[misc]
    items = [Certified(h, hamlet, status, found.get(h.id)) for h, hamlet, status in chosen]  # type: ignore[arg-type]
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
    """The certificate of one poor or near-poor household, for the year of the decision that
    recognised it (its commune's latest decided round since its status changed)."""
    if not household.active or household.status not in GROUPS:
        raise DocumentRefused("not_poor_or_near_poor")
    hamlet = await db.get(OrgUnit, household.hamlet_id)
    assert hamlet is not None
    rnd = await last_closed_round(db, commune_id=household.commune_id, since=household.status_since)
    year = lists_year(rnd) if rnd else today.year
    assessment = await latest_assessment(db, household.id)  # type: ignore[arg-type]
    if rnd is not None:
        standard = _standard(rnd.standard_id, standards)
    elif assessment is not None and assessment.standard_id:
        standard = _standard(assessment.standard_id, standards)
    else:
        standard = standard_for(date(year, 1, 1), standards)
    context = certificate_context(
        VI,
        [Certified(household, hamlet, household.status, assessment)],
        await place_of(db, hamlet),
        standard,
        year=year,
        day=rnd.decision_date if rnd else None,
        signer=(rnd.decision_signer or "") if rnd else "",
    )
    name = VI(NAMES["certificate"], code=household.code)
    return _file(name, "docx", templates.render("certificate", context))
