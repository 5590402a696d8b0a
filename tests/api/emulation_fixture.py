"""A small hand-computed history for the emulation reports (issue 16, items 4-5), written through
the review procedure (tests/api/conftest.py Register: every change passes the hamlet meeting and
the commune's decision, dated at 00:00 in Hà Nội as a round's decision is). The clock stands at
09:00 on 25 November 2026, so 2026 is counted from 1 January to 25 November.

Xã Gia Viễn (own target 2026: 20 points)
  Thôn Đông   D1 poor 2023 -> exited 10 Mar 2024 (2 years on 10 Mar 2026: sustainable in 2026)
              D2 poor 2023 -> exited 25 Nov 2024 (2 years exactly on the last day: sustainable)
              D3 poor 2023 -> exited 5 Jan 2024 -> fell back 1 Jun 2025 -> exited 10 May 2026
              D4 poor 1 Mar 2025, stays poor
              D5 never decided
              D6 poor 2023 -> exited 26 Nov 2024 (2 years only on 26 Nov 2026: not yet)
              D7 poor 2023 -> exited 31 Dec 2023 (2 years on 31 Dec 2025: 2025's, not 2026's)
     1 January 2026: 7 households, poor D3 D4 = 2 (28.57 %); end: poor D4 = 1 (14.29 %)
     reduction 28.57 - 14.29 = 14.28 (the rates as shown; the exact 100/7 would read 14.29),
     target 20 (Gia Viễn's) -> -5.72; exits 1 (D3), sustainable 2 (D1 D2)
  Thôn Tây    T1 poor 1 Feb 2025 -> exited 1 Apr 2026
              T2 poor 1 Feb 2024 -> exited 1 Aug 2024 -> fell back 1 Jul 2026
              T3 newly poor 1 Sep 2026
              T4 poor 1 May 2025 -> moved out 1 Jun 2026 (not an exit)
              T5 never decided
     1 January: 5 households, poor T1 T4 = 2 (40 %); end: 4 households, poor T2 T3 = 2 (50 %)
     reduction -10, target 20 -> -30; exits 1, fell back 1
  Thôn Trung  no households: no rate, no rank
  Gia Viễn: 12 households, 4 poor (33.33 %) -> 11, 3 (27.27 %): reduction 800/132 = 6.06
Xã Kim Sơn (target inherited from the province: 1.2)
  Xóm Bắc     K1 poor 10 Jan 2025 -> exited at 00:00 on 1 Jan 2026 (2026's, not 2025's)
              K2 poor 10 Jan 2025, stays; K3, K4 never decided
     4 households, 2 poor (50 %) -> 1 (25 %): reduction 25 -> +23.8, met
Phường Hoa Lư: no households.
Province (own target 1.2): 16 households, 6 poor (37.5 %) -> 15, 4 (26.67 %): 10.83.

Support in 2026 (supporters written as rows; recording them is another module's):
  S1 Hội Phụ nữ xã Gia Viễn: D3 5.000.000 (breeding stock), D4 800.000 (health insurance);
     T2 1.000.000 on 20 Dec 2025 (2025's)
  S2 "Gia đình ông Nguyễn Văn Dũng" (family, linked to D1 by name): D4 300.000 (goods)
  S3 Ngân hàng CSXH Kim Sơn (bank): K2 30.000.000 (loan)
  S4 "Gia đình bà Lê Thị Hoa" (family, T1 by name; out only since April 2026): T3 200.000
  S5 family whose contact person speaks for D2 (linked by contact): T3 a job (no value)
  Thôn Đông 3 acts, 6.100.000; Thôn Tây 2, 200.000; Kim Sơn 1, 30.000.000.
Fund (recorded through the API by the tests): see test_emulation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import httpx
from sqlalchemy import select

from bot.services import Services
from domain.i18n import LOCAL_TZ, fold
from storage.db import transaction
from storage.models import Person
from storage.models_register import Household
from storage.models_support import Support, Supporter
from storage.orgtree import unit_by_code
from tests.api.conftest import Register, Tokens, bearer
from tests.support import link_person


def on(y: int, m: int, d: int) -> datetime:
    """The commune's decision of that day: 00:00 in Hà Nội."""
    return datetime.combine(date(y, m, d), time(0), LOCAL_TZ)


HEADS = {
    "D1": "Nguyễn Văn Dũng",
    "D2": "Trần Thị Mai",
    "D3": "Phạm Văn Hùng",
    "D4": "Đỗ Thị Lan",
    "D5": "Vũ Văn Nam",
    "D6": "Bùi Thị Nga",
    "D7": "Đinh Văn Sơn",
    "T1": "Lê Thị Hoa",
    "T2": "Ngô Văn Long",
    "T3": "Hà Thị Yến",
    "T4": "Mai Văn Toàn",
    "T5": "Tạ Thị Oanh",
    "K1": "Quách Văn Giang",
    "K2": "Bạch Thị Liên",
    "K3": "Lò Văn Vinh",
    "K4": "Đinh Thị Hằng",
}
HAMLETS = {"D": "37-GIAVIEN-01", "T": "37-GIAVIEN-02", "K": "37-KIMSON-01"}

# (household, kind, class, decision day)
HISTORY = (
    ("D1", "newly_poor", "poor", on(2023, 6, 1)),
    ("D1", "exited_poverty", "average", on(2024, 3, 10)),
    ("D2", "newly_poor", "poor", on(2023, 6, 1)),
    ("D2", "exited_poverty", "average", on(2024, 11, 25)),
    ("D3", "newly_poor", "poor", on(2023, 6, 1)),
    ("D3", "exited_poverty", "average", on(2024, 1, 5)),
    ("D3", "fell_back", "poor", on(2025, 6, 1)),
    ("D3", "exited_poverty", "near_poor", on(2026, 5, 10)),
    ("D4", "newly_poor", "poor", on(2025, 3, 1)),
    ("D6", "newly_poor", "poor", on(2023, 6, 1)),
    ("D6", "exited_poverty", "average", on(2024, 11, 26)),
    ("D7", "newly_poor", "poor", on(2023, 6, 1)),
    ("D7", "exit_registration", "not_poor", on(2023, 12, 31)),
    ("T1", "newly_poor", "poor", on(2025, 2, 1)),
    ("T1", "exit_registration", "not_poor", on(2026, 4, 1)),
    ("T2", "newly_poor", "poor", on(2024, 2, 1)),
    ("T2", "exited_poverty", "average", on(2024, 8, 1)),
    ("T2", "fell_back", "poor", on(2026, 7, 1)),
    ("T3", "newly_poor", "poor", on(2026, 9, 1)),
    ("T4", "newly_poor", "poor", on(2025, 5, 1)),
    ("T4", "moved_out", None, on(2026, 6, 1)),
    ("K1", "newly_poor", "poor", on(2025, 1, 10)),
    ("K1", "exited_poverty", "average", on(2026, 1, 1)),
    ("K2", "newly_poor", "poor", on(2025, 1, 10)),
)

# (supporter, commune, kind, contact household) and (supporter, household, kind, value, day)
SUPPORTERS = (
    ("S1", "Hội Phụ nữ xã Gia Viễn", "37-GIAVIEN", "women_union", None),
    ("S2", "Gia đình ông Nguyễn Văn Dũng", "37-GIAVIEN", "family", None),
    ("S3", "Ngân hàng CSXH Kim Sơn", "37-KIMSON", "bank", None),
    ("S4", "Gia đình bà Lê Thị Hoa", "37-GIAVIEN", "family", None),
    ("S5", "Nhà chị Mai xóm Đông", "37-GIAVIEN", "family", "D2"),
)
SUPPORTS = (
    ("S1", "D3", "breeding_stock", 5_000_000, date(2026, 3, 1)),
    ("S1", "D4", "health_insurance_card", 800_000, date(2026, 4, 1)),
    ("S1", "T2", "cash", 1_000_000, date(2025, 12, 20)),
    ("S2", "D4", "goods", 300_000, date(2026, 5, 1)),
    ("S3", "K2", "preferential_loan", 30_000_000, date(2026, 6, 1)),
    ("S4", "T3", "goods", 200_000, date(2026, 10, 1)),
    ("S5", "T3", "job", None, date(2026, 10, 2)),
)


async def write_history(services: Services) -> dict[str, int]:
    """The households and their decisions, then the supporters and supports; household ids by
    their letter."""
    officer = await link_person(services, "officer", "37-GIAVIEN", "Cán bộ xã", None)
    reg = Register(services, officer)
    ids = {key: await reg.household(HAMLETS[key[0]], head) for key, head in HEADS.items()}
    for key, kind, klass, at in HISTORY:
        await reg.change(ids[key], kind, klass, at, ("water", "latrine", "telecom"))
    async with transaction(services.sessionmaker) as db:
        supporters = {}
        for key, name, commune_code, kind, contact in SUPPORTERS:
            commune = await unit_by_code(db, commune_code)
            assert commune is not None
            person_id = None
            if contact is not None:
                person = Person(
                    name=HEADS[contact],
                    role="household",
                    org_unit_id=commune.id,
                    household_id=ids[contact],
                )
                db.add(person)
                await db.flush()
                person_id = person.id
            row = Supporter(
                commune_id=commune.id,  # type: ignore[arg-type]
                name=name,
                name_key=fold(name),
                kind=kind,
                contact_person_id=person_id,
            )
            db.add(row)
            await db.flush()
            supporters[key] = row
        hamlets = dict(
            (await db.execute(select(Household.id, Household.hamlet_id))).all()  # type: ignore[arg-type]
        )
        for n, (who, household, kind, value, day) in enumerate(SUPPORTS):
            db.add(
                Support(
                    household_id=ids[household],
                    hamlet_id=hamlets[ids[household]],
                    supporter_id=supporters[who].id,  # type: ignore[arg-type]
                    commune_id=supporters[who].commune_id,
                    kind=kind,
                    value=value,
                    given_on=day,
                    source="api",
                    idempotency_key=f"emulation-test-{n}",
                )
            )
    return ids


FUND = (
    ("giavien", "37-GIAVIEN", "Công ty TNHH Minh Phát", "business", 10_000_000, "2026-10-15"),
    ("province", "37", "Ngân hàng Nông nghiệp Ninh Bình", "bank", 50_000_000, "2026-11-01"),
    ("kimson", "37-KIMSON", "Ông Quách Văn Bảy", "individual", 2_000_000, "2025-12-01"),
)


@dataclass(frozen=True)
class Data:
    tokens: Tokens
    ids: dict[str, int]


async def write_all(services: Services, client: httpx.AsyncClient, tokens: Tokens) -> Data:
    """The history, the 2026 targets of the province (1.2) and Gia Viễn (20) and FUND, set
    through the API."""
    ids = await write_history(services)
    for unit, pp in (("37", 1.2), ("37-GIAVIEN", 20)):
        r = await client.put(
            f"/api/v1/targets/{unit}/2026",
            json={"reduction_pp": pp},
            headers=bearer(tokens.province),
        )
        assert r.status_code == 200, r.text
    for who, unit, donor, kind, value, day in FUND:
        body = {
            "unit": unit,
            "donor": donor,
            "donor_kind": kind,
            "value": value,
            "received_on": day,
        }
        token = getattr(tokens, who)
        r = await client.post("/api/v1/fund-contributions", json=body, headers=bearer(token))
        assert r.status_code == 201, r.text
    return Data(tokens, ids)
