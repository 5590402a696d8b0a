"""Which decision a document cites when a commune has decided several rounds: the summary of a
round names that round's decision, and a household's certificate the decision that recognised
it, not the commune's latest (which may not have concerned it at all).

Xã Gia Viễn decides two monthly rounds through the procedure (storage functions, as
tests/api/documents_round.py does for the annual review):
  May 2026:     Ngô Thị Mai newly poor (deprived on water, latrine, telecom),
                Quyết định 108/QĐ-UBND of 27/05/2026
  October 2026: Đào Văn Nam newly near-poor (deprived on housing area),
                Quyết định 113/QĐ-UBND of 20/10/2026
then posts its annual review of 2026 (tests/api/documents_round.py, not decided)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from openpyxl import load_workbook

from bot.services import Services
from domain import procedure as proc
from domain.calendar import monthly
from storage.db import transaction
from storage.documents import recognitions
from storage.meetings import close_meeting, start_meeting, vote
from storage.models import Person
from storage.models_register import Household
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.register import create_household, decide, submit
from storage.rounds import close_round, ensure_round, start_posting
from tests.api.conftest import Tokens, bearer
from tests.api.documents_round import build_round
from tests.conftest import Clock
from tests.pdf import Pdf, a4, placeholders, to_pdf

DOCS = "/api/v1/documents"
ATTACHED = "(Kèm theo Quyết định số {} ngày {} của Chủ tịch Ủy ban nhân dân xã Gia Viễn)"
BLANK_DECISION = "(Kèm theo Quyết định số …/QĐ-UBND ngày … của …)"


@dataclass(frozen=True)
class Decided:
    round_id: int
    household_id: int


async def decide_month(
    services: Services,
    *,
    month: int,
    head_name: str,
    klass: str,
    deprived: list[str],
    posted_on: date,
    number: str,
    decided_on: date,
    household_id: int | None = None,
    kind: str | None = None,
) -> Decided:
    """The commune's monthly review of `month` 2026 taken to its decision: one household of
    Thôn Đông (a new one, or `household_id`) newly `klass` (or the change `kind` to `klass`),
    passed by its meeting, accepted, posted and decided."""
    # Reported and met on the 16th, or on the posting's first day if it is earlier: a posting
    # never starts before the meeting whose result it lists.
    at = datetime(2026, month, min(16, posted_on.day), 3, tzinfo=UTC)
    async with transaction(services.sessionmaker) as db:
        dong = await unit_by_code(db, "37-GIAVIEN-01")
        commune = await unit_by_code(db, "37-GIAVIEN")
        assert dong and commune
        head = Person(name=f"Trưởng thôn {month}", role="hamlet_head", org_unit_id=dong.id)
        officer = Person(name=f"Cán bộ {month}", role="officer", org_unit_id=commune.id)
        db.add_all([head, officer])
        await db.flush()
        if household_id is not None:
            household = await db.get(Household, household_id)
            assert household is not None
        else:
            household = await create_household(
                db,
                hamlet=dong,
                head_name=head_name,
                members=3,
                ethnic_minority=False,
                phone=None,
                actor="test",
                registered=True,
            )
            household.status = "not_poor"
        kind = kind or ("newly_poor" if klass == "poor" else "newly_near_poor")
        await ensure_period(db, monthly(2026, month))
        rnd = await ensure_round(
            db,
            commune_id=commune.id,  # type: ignore[arg-type]
            spec=proc.regular_round(2026, month),
        )
        meeting = await start_meeting(
            db,
            hamlet_id=dong.id,  # type: ignore[arg-type]
            round_id=rnd.id,
            held_on=at.date(),
            present=20,
            chair_id=head.id,
            place="Nhà văn hóa thôn Đông",
            secretary="Trần Thị Thu",
            actor="test",
        )
        new = await submit(
            db,
            idempotency_key=uuid.uuid4().hex,
            kind=kind,
            source="hamlet_head",
            household_id=household.id,
            hamlet=dong,
            period_id=None,
            reporter_id=head.id,
            answers={"members": household.members},
            result={
                "class": klass,
                "standard": rnd.standard_id,
                "deprived": deprived,
                "income_per_capita": 1_200_000,
            },
            note=None,
            now=at,
            actor="test",
        )
        await vote(db, meeting=meeting, submission=new.submission, votes_for=15, now=at, actor="t")
        await decide(
            db,
            submission=new.submission,
            decision="approve",
            reason=None,
            officer_id=officer.id,
            now=at,
        )
        await close_meeting(db, meeting=meeting, now=at, actor="test")
        await start_posting(db, rnd=rnd, starts_on=posted_on, actor="test")
        await db.flush()
        await close_round(
            db,
            rnd=rnd,
            number=number,
            decided_on=decided_on,
            signer="Lê Văn Chủ",
            officer_id=officer.id,
            now=services.clock(),
            actor="test",
        )
        return Decided(rnd.id, household.id)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TwoRounds:
    may: Decided
    october: Decided
    annual_round_id: int  # the annual review of 2026, posted, not decided


@pytest.fixture
async def two_rounds(services: Services, tokens: Tokens) -> TwoRounds:
    may = await decide_month(
        services,
        month=5,
        head_name="Ngô Thị Mai",
        klass="poor",
        deprived=["water", "latrine", "telecom"],
        posted_on=date(2026, 5, 18),
        number="108/QĐ-UBND",
        decided_on=date(2026, 5, 27),
    )
    october = await decide_month(
        services,
        month=10,
        head_name="Đào Văn Nam",
        klass="near_poor",
        deprived=["housing_area"],
        posted_on=date(2026, 10, 14),
        number="113/QĐ-UBND",
        decided_on=date(2026, 10, 20),
    )
    annual = await build_round(services, decide_it=False)
    return TwoRounds(may, october, annual.round_id)


async def fetch(client: httpx.AsyncClient, token: str, path: str, **params: object) -> bytes:
    r = await client.get(path, params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.content


def text_of(pdf: Pdf, *, landscape: bool = False) -> str:
    assert placeholders(pdf) == []
    assert a4(pdf, landscape=landscape), pdf.sizes
    return pdf.flat()


def decision_line(content: bytes) -> str:
    return load_workbook(io.BytesIO(content)).worksheets[0]["A6"].value


async def test_each_rounds_summary_cites_its_own_decision(
    client: httpx.AsyncClient, tokens: Tokens, two_rounds: TwoRounds
) -> None:
    """The May summary cites May's decision though the commune decided another round since; a
    round still posted has its line left to fill in though the year had other decisions."""
    token = tokens.giavien
    files = {
        "may.xlsx": await fetch(
            client, token, f"{DOCS}/summary.xlsx", round=two_rounds.may.round_id
        ),
        "october.xlsx": await fetch(
            client, token, f"{DOCS}/summary.xlsx", round=two_rounds.october.round_id
        ),
        "annual.xlsx": await fetch(
            client, token, f"{DOCS}/summary.xlsx", round=two_rounds.annual_round_id
        ),
        # The same form by unit and period: the period's round.
        "export-may.xlsx": await fetch(
            client, token, "/api/v1/exports/summary.xlsx", unit="37-GIAVIEN", period="2026-05"
        ),
    }
    may = ATTACHED.format("108/QĐ-UBND", "27/05/2026")
    october = ATTACHED.format("113/QĐ-UBND", "20/10/2026")
    assert decision_line(files["may.xlsx"]) == may
    assert decision_line(files["october.xlsx"]) == october
    assert decision_line(files["annual.xlsx"]) == BLANK_DECISION
    assert decision_line(files["export-may.xlsx"]) == may
    pdfs = to_pdf(files)
    for name, expected, other in (
        ("may.xlsx", may, "113/QĐ-UBND"),
        ("october.xlsx", october, "108/QĐ-UBND"),
        ("annual.xlsx", BLANK_DECISION, "QĐ-UBND ngày 2"),
        ("export-may.xlsx", may, "113/QĐ-UBND"),
    ):
        text = text_of(pdfs[name], landscape=True)
        assert expected in text, (name, text[:1500])
        assert other not in text, name


async def test_a_certificate_cites_the_decision_that_recognised_the_household(
    client: httpx.AsyncClient, tokens: Tokens, two_rounds: TwoRounds
) -> None:
    """Mai, made poor by May's decision, has a certificate dated and signed as that decision,
    with 2026 marked: October's decision, the commune's latest, did not concern her."""
    token = tokens.giavien
    files = {
        "mai.docx": await fetch(
            client, token, f"{DOCS}/certificate.docx", household=two_rounds.may.household_id
        ),
        "nam.docx": await fetch(
            client, token, f"{DOCS}/certificate.docx", household=two_rounds.october.household_id
        ),
        "may-round.docx": await fetch(
            client, token, f"{DOCS}/certificate.docx", round=two_rounds.may.round_id
        ),
    }
    pdfs = to_pdf(files)
    mai = " ".join(text_of(pdfs["mai.docx"]).split())
    assert "Ngô Thị Mai" in mai and "giai đoạn 2022 – 2026" in mai
    assert "Gia Viễn, ngày 27 tháng 5 năm 2026" in mai
    assert "ngày 20 tháng 10 năm 2026" not in mai
    assert "2025 2026 N 9, 10, 11" in mai  # 2022–2025: no decision concerned her
    assert "Lê Văn Chủ" in mai
    nam = " ".join(text_of(pdfs["nam.docx"]).split())
    assert "Gia Viễn, ngày 20 tháng 10 năm 2026" in nam and "2026 CN 8" in nam
    # The May round's own certificates: the same decision.
    [page] = pdfs["may-round.docx"].pages
    assert "Ngô Thị Mai" in page and "Gia Viễn, ngày 27 tháng 5 năm 2026" in page


async def test_the_decisions_that_concerned_each_household(
    client: httpx.AsyncClient, services: Services, clock: Clock, tokens: Tokens
) -> None:
    """The annual review recognises whole lists: a household on them as its decision found it,
    whatever changed later; a household that came onto the lists after it is not on them. The
    certificate follows the decision about each year's lists."""
    annual = await build_round(services)  # decided 24/11/2026: the lists of 2027
    clock.now = datetime(2026, 12, 23, 2, tzinfo=UTC)
    ha = annual.households["Vũ Thị Hà"]
    exit_ = await decide_month(
        services,
        month=12,
        head_name="",
        klass="near_poor",
        deprived=["telecom"],
        posted_on=date(2026, 12, 17),
        number="130/QĐ-UBND",
        decided_on=date(2026, 12, 22),
        household_id=ha,
        kind="exited_poverty",
    )
    async with transaction(services.sessionmaker) as db:
        households = [await db.get(Household, i) for i in (ha, annual.households["Lê Thị Cúc"])]
        found = await recognitions(db, households)  # type: ignore[arg-type]
    as_decided = {
        hid: [(r.round.id, r.after.status, r.deprived) for r in found[hid]] for hid in found
    }
    assert as_decided == {
        # Poor at the annual decision (no request of hers in it), near-poor in December.
        ha: [(annual.round_id, "poor", None), (exit_.round_id, "near_poor", ["telecom"])],
        annual.households["Lê Thị Cúc"]: [
            (annual.round_id, "poor", ["water", "latrine", "health_insurance"])
        ],
    }
    # Hà's certificate: December's decision (the 2026 lists, NĐ 07/2021's period), not the
    # annual review's (2027, NĐ 351/2025's).
    content = await fetch(client, tokens.giavien, f"{DOCS}/certificate.docx", household=ha)
    text = " ".join(text_of(to_pdf({"ha.docx": content})["ha.docx"]).split())
    assert "Gia Viễn, ngày 22 tháng 12 năm 2026" in text and "2026 CN 11" in text
    assert "giai đoạn 2022 – 2026" in text
