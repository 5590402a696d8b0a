"""The procedure's documents as files: the hamlet meeting's minutes, the posting list, the
commune's decision with its annex lists, the households' certificates, the round's summary
form. Scoped by the token like every report; the download links sent in chat (signed, short-
lived, documents.service) are the one way in without a token."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ApiError, ApiRouter, ServicesDep, SessionDep, ensure_within
from api.exports import XLSX_TYPE, _file, attachment
from api.lists import Caller, CallerDep, refusal, scope_root, under
from api.reports import UnitRef, period_standard, unit_ref
from api.xlsx import summary_workbook
from bot.services import Services
from documents.files import DOCX, File
from documents.produce import (
    DocumentRefused,
    decision_file,
    household_certificate,
    minutes_file,
    posting_file,
    round_certificates,
)
from documents.service import Documents, make
from domain.calendar import local_day
from domain.documents import in_sentence, place_name
from domain.i18n import N_, Translator
from domain.procedure import CLOSED
from storage.audit import record
from storage.db import transaction
from storage.documents import period_round
from storage.hamlet_reports import find_period
from storage.models import OrgUnit
from storage.models_procedure import HamletMeeting, ReviewRound
from storage.models_register import Household, ReportingPeriod
from storage.orgtree import unit_by_code
from storage.report_forms import summary_form
from storage.rounds import rounds_of

DOCS = "/api/v1/documents"
router = ApiRouter(prefix=DOCS, tags=["documents"])

Id = Annotated[int, Query(ge=1, le=2**31 - 1)]
RoundQ = Annotated[int, Query(ge=1, le=2**31 - 1, description="review round id")]
HamletQ = Annotated[
    str | None, Query(max_length=32, description="hamlet code: that hamlet's list only")
]
REFUSED = {409: refusal("The record has no such document (e.g. not a poor household)")}
DOCX_FILE = {**_file(DOCX), **REFUSED}
XLSX_FILE = {**_file(XLSX_TYPE), **REFUSED}
ATTACHED = N_("(Attached to Decision No. {number} of {date} by the Chairman of {unit})")


def _response(made: File) -> Response:
    return Response(
        content=made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": attachment(made.name)},
    )


def _documents(c: Caller) -> Documents:
    documents = c.services.documents
    if documents is None:  # only a Services built without them (some tests)
        raise ApiError(404, "not_found")
    return documents


def _standards(c: Caller):  # type: ignore[no-untyped-def]
    return _documents(c).standards


async def _round(c: Caller, round_id: int) -> ReviewRound:
    rnd = await c.db.get(ReviewRound, round_id)
    if rnd is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services, c.db, c.principal, unit_id=rnd.commune_id, entity=f"round:{rnd.id}"
    )
    return rnd


async def _hamlet(c: Caller, rnd: ReviewRound, code: str | None) -> OrgUnit | None:
    if code is None:
        return None
    hamlet = await unit_by_code(c.db, code)
    if hamlet is None or hamlet.parent_id != rnd.commune_id:
        raise ApiError(404, "not_found")
    return hamlet


def _today(c: Caller) -> date:
    return local_day(c.services.clock())


async def _refusing(made) -> Response:  # type: ignore[no-untyped-def]
    try:
        return _response(await made)
    except DocumentRefused as exc:
        raise ApiError(404 if exc.code == "not_found" else 409, exc.code) from None


@router.get("/minutes.docx", response_class=Response, responses=DOCX_FILE)
async def minutes_docx(c: CallerDep, meeting: Id) -> Response:
    """The hamlet meeting's minutes (biên bản họp bình xét, QĐ 24/2021 Điều 4 khoản 3): date,
    place, chair, secretary, attendance, each household with its votes and result."""
    found = await c.db.get(HamletMeeting, meeting)
    if found is None:
        raise ApiError(404, "not_found")
    await ensure_within(
        c.services, c.db, c.principal, unit_id=found.hamlet_id, entity=f"meeting:{found.id}"
    )
    return await _refusing(minutes_file(c.db, _documents(c).templates, found))


@router.get("/posting.docx", response_class=Response, responses=DOCX_FILE)
async def posting_docx(c: CallerDep, round: RoundQ, hamlet: HamletQ = None) -> Response:
    """The round's public posting list (danh sách niêm yết, Điều 4 khoản 4) with its dates, by
    hamlet; `hamlet` gives one hamlet's list. While the round is open: the households accepted
    so far, as a draft."""
    rnd = await _round(c, round)
    unit = await _hamlet(c, rnd, hamlet)
    templates = _documents(c).templates
    return await _refusing(
        posting_file(c.db, templates, rnd, hamlet=unit, fmt="docx", today=_today(c))
    )


@router.get("/posting.xlsx", response_class=Response, responses=XLSX_FILE)
async def posting_xlsx(c: CallerDep, round: RoundQ, hamlet: HamletQ = None) -> Response:
    """The posting list as a workbook to sort and filter: one row per household."""
    rnd = await _round(c, round)
    unit = await _hamlet(c, rnd, hamlet)
    templates = _documents(c).templates
    return await _refusing(
        posting_file(c.db, templates, rnd, hamlet=unit, fmt="xlsx", today=_today(c))
    )


@router.get("/decision.docx", response_class=Response, responses=DOCX_FILE)
async def decision_docx(c: CallerDep, round: RoundQ) -> Response:
    """The commune's decision (Mẫu số 02 of QĐ 24/2021) with its annex lists: poor, near-poor,
    exited poverty, exited near-poverty. A draft with blanks until the round's decision is
    recorded; then its number, date and signer."""
    rnd = await _round(c, round)
    docs = _documents(c)
    return await _refusing(
        decision_file(c.db, docs.templates, rnd, standards=docs.standards, today=_today(c))
    )


@router.get("/certificate.docx", response_class=Response, responses=DOCX_FILE)
async def certificate_docx(
    c: CallerDep,
    household: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    round: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Certificates (Mẫu số 03): one household's (`household`, poor or near-poor), or one per
    household on a round's poor and near-poor lists (`round`), each from a new page."""
    docs = _documents(c)
    if household is not None:
        found = await c.db.get(Household, household)
        if found is None:
            raise ApiError(404, "not_found")
        await ensure_within(
            c.services, c.db, c.principal, unit_id=found.hamlet_id, entity=f"household:{found.id}"
        )
        return await _refusing(
            household_certificate(
                c.db, docs.templates, found, standards=docs.standards, today=_today(c)
            )
        )
    if round is None:
        raise ApiError(422, "household_or_round_required")
    rnd = await _round(c, round)
    return await _refusing(round_certificates(c.db, docs.templates, rnd, standards=docs.standards))


async def decision_reference(
    db: AsyncSession,
    t: Translator,
    unit: OrgUnit,
    period: ReportingPeriod,
    rnd: ReviewRound | None = None,
) -> str | None:
    """The commune's decision the summary rests on: its round's (`rnd`, else the commune's round
    of the period: the annual review of the year, the monthly review of the month), once that
    round is decided; None (a line left to fill in) until then, and for any other unit."""
    if unit.level != "commune":
        return None
    if rnd is None:
        rnd = await period_round(db, commune_id=unit.id, kind=period.kind, code=period.code)  # type: ignore[arg-type]
    if rnd is None or rnd.status != CLOSED or rnd.decision_date is None:
        return None
    return t(
        ATTACHED,
        number=rnd.decision_number,
        date=t.date(rnd.decision_date),
        unit=t("the People's Committee of {unit}", unit=in_sentence(unit.name)),
    )


async def summary_file(
    services: Services,
    db: AsyncSession,
    t: Translator,
    unit: OrgUnit,
    period: ReportingPeriod,
    rnd: ReviewRound | None = None,
) -> tuple[str, bytes]:
    """The summary form of a unit and period (also /api/v1/exports/summary.xlsx); `rnd`, the
    round whose summary it is, names its decision."""
    rows = await summary_form(db, unit=unit, period=period)
    standard = period_standard(services, period)
    # The place on the document is the issuing unit's; a hamlet's report is dated at its commune.
    where = unit
    if where.level == "hamlet" and where.parent_id is not None:
        where = await db.get(OrgUnit, where.parent_id) or where
    content = summary_workbook(
        t,
        unit=unit,
        period=period,
        standard=standard,
        rows=rows,
        place=place_name(where.name),
        day=local_day(services.clock()),
        decision=await decision_reference(db, t, unit, period, rnd),
    )
    name = t("Summary {unit} {period}", unit=unit.name, period=period.code)
    return f"{name}.xlsx", content


@router.get("/summary.xlsx", response_class=Response, responses=_file(XLSX_TYPE))
async def summary_xlsx(c: CallerDep, round: RoundQ) -> Response:
    """The official summary form of the round's commune for the round's period (the annual
    review: the year; a monthly review: its month), naming the approving decision."""
    rnd = await _round(c, round)
    kind = "annual" if rnd.kind == "periodic" else "monthly"
    period = await find_period(c.db, kind=kind, code=rnd.code)
    commune = await c.db.get(OrgUnit, rnd.commune_id)
    if period is None or commune is None:
        raise ApiError(404, "not_found")
    name, content = await summary_file(c.services, c.db, Translator("vi"), commune, period, rnd)
    return _response(File(name, XLSX_TYPE, content))


class DocumentLink(BaseModel):
    kind: str
    format: Literal["docx", "xlsx"]
    title: str
    path: str  # GET it with the same bearer token


class RoundDocuments(BaseModel):
    round_id: int
    kind: Literal["regular", "periodic"]
    code: str
    status: Literal["open", "posting", "closed"]
    decision_number: str | None
    decision_date: date | None
    commune: UnitRef
    documents: list[DocumentLink]


class DocumentIndex(BaseModel):
    items: list[RoundDocuments]


INDEX_TITLES = {
    ("minutes", "docx"): N_("Minutes of the meeting of {hamlet} on {date}"),
    ("posting", "docx"): N_("Posting list (Word)"),
    ("posting", "xlsx"): N_("Posting list (Excel)"),
    ("decision", "docx"): N_("Decision (Word)"),
    ("decision_draft", "docx"): N_("Draft decision (Word)"),
    ("certificate", "docx"): N_("Certificates (Word)"),
    ("summary", "xlsx"): N_("Summary report (Excel)"),
}
ROUNDS_LISTED = 12


async def _index_round(
    c: Caller, t: Translator, rnd: ReviewRound, commune: OrgUnit, hamlet_id: int | None = None
) -> RoundDocuments:
    """The round's documents; a hamlet's token sees its own hamlet's minutes only."""

    def link(kind: str, fmt: str, query: str, **params: object) -> DocumentLink:
        name = "decision_draft" if kind == "decision" and rnd.status != "closed" else kind
        title = t(INDEX_TITLES[(name, fmt)], **params)
        return DocumentLink(kind=kind, format=fmt, title=title, path=f"{DOCS}/{kind}.{fmt}?{query}")  # type: ignore[arg-type]

    by_round = f"round={rnd.id}"
    docs = [link("decision", "docx", by_round)]
    docs += [link("posting", fmt, by_round) for fmt in ("docx", "xlsx")]
    if rnd.status == "closed":
        docs.append(link("certificate", "docx", by_round))
        period_kind = "annual" if rnd.kind == "periodic" else "monthly"
        if await find_period(c.db, kind=period_kind, code=rnd.code) is not None:
            docs.append(link("summary", "xlsx", by_round))
    meetings = (
        await c.db.execute(
            select(HamletMeeting, OrgUnit)
            .join(OrgUnit, OrgUnit.id == HamletMeeting.hamlet_id)  # type: ignore[arg-type]
            .where(
                HamletMeeting.round_id == rnd.id,
                *(() if hamlet_id is None else (HamletMeeting.hamlet_id == hamlet_id,)),
            )
            .order_by(HamletMeeting.held_on, HamletMeeting.id)
        )
    ).all()
    for meeting, hamlet in meetings:
        docs.append(
            link("minutes", "docx", f"meeting={meeting.id}", hamlet=hamlet.name,
                 date=t.date(meeting.held_on))
        )  # fmt: skip
    return RoundDocuments(
        round_id=rnd.id,  # type: ignore[arg-type]
        kind=rnd.kind,  # type: ignore[arg-type]
        code=rnd.code,
        status=rnd.status,  # type: ignore[arg-type]
        decision_number=rnd.decision_number,
        decision_date=rnd.decision_date,
        commune=unit_ref(commune),
        documents=docs,
    )


@router.get("", response_model=DocumentIndex)
async def document_index(
    c: CallerDep,
    unit: Annotated[str | None, Query(max_length=32, description="org unit code")] = None,
    lang: Annotated[Literal["vi", "en"] | None, Query(description="titles' language")] = None,
) -> DocumentIndex:
    """The documents of the latest review rounds of the unit's communes (a hamlet: its
    commune's), newest first: what the dashboard links to."""
    root = await scope_root(c, unit)
    hamlet_id = None
    if root.level == "hamlet" and root.parent_id is not None:
        hamlet_id = root.id
        root = await c.db.get(OrgUnit, root.parent_id) or root
    communes = {
        u.id: u
        for u in (
            await c.db.execute(
                select(OrgUnit).where(under(OrgUnit.id, root), OrgUnit.level == "commune")
            )
        ).scalars()
    }
    rounds = (await rounds_of(c.db, commune_ids=list(communes)))[:ROUNDS_LISTED]  # type: ignore[arg-type]
    t = Translator(lang or c.services.settings.default_locale)
    return DocumentIndex(
        items=[await _index_round(c, t, r, communes[r.commune_id], hamlet_id) for r in rounds]
    )


@router.get(
    "/download/{token}",
    response_class=Response,
    responses={**_file(DOCX), 410: refusal("The link has expired or was altered")},
)
async def download(
    services: ServicesDep, db: SessionDep, token: Annotated[str, Path(max_length=2000)]
) -> Response:
    """A document sent in chat as a link (Zalo, the simulator). No bearer token: the link's
    signature is the permission, for the hours CHUNGTAY_DOCUMENT_LINK_HOURS sets. Each download
    is audited (the documents hold personal data)."""
    documents = services.documents
    found = documents.verify(token) if documents is not None else None
    if documents is None or found is None:
        raise ApiError(410, "link_expired")
    try:
        made = await make(
            db, documents.templates, found, standards=documents.standards, now=services.clock()
        )
    except DocumentRefused as exc:
        raise ApiError(404 if exc.code == "not_found" else 409, exc.code) from None
    async with transaction(services.sessionmaker) as audit_db:
        record(
            audit_db,
            actor="link",
            action="document.download",
            entity=f"document:{found.kind}",
            after={"format": found.format, "ids": dict(found.ids)},
        )
    return _response(made)
