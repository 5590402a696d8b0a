"""The report figures the database sums up equal a direct replay of every household's decisions.

Random households (fixed seed) get random decisions through the real submit/decide path, some
rejected, some after the period; the summary for each period must then match, row by row, what
walking each household's history says: who was in each group at the start and the end, and every
entry and exit in between.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.services import Services
from domain.aggregates import Block
from domain.calendar import monthly
from storage.db import transaction
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from storage.reports import period_window, summary
from tests.api.conftest import Register
from tests.support import link_person, seed_units

HAMLETS = {
    "37-GIAVIEN-01": "37-GIAVIEN",
    "37-GIAVIEN-02": "37-GIAVIEN",
    "37-KIMSON-01": "37-KIMSON",
}
KINDS = ["newly_poor", "newly_near_poor", "fell_back", "exited_poverty", "exit_registration",
         "correction", "moved_out", "dissolved"]  # fmt: skip
CLASSES = ["poor", "near_poor", "average", "not_poor"]
CLOSING = ("moved_out", "dissolved")
SETS = {"newly_poor": "poor", "newly_near_poor": "near_poor", "fell_back": "poor"}


@dataclass
class History:
    hamlet: str
    changes: list[tuple[datetime, str, str | None]] = field(default_factory=list)  # approved

    def states(self) -> list[tuple[datetime, tuple[str, bool]]]:
        state, out = ("unknown", True), []
        for at, kind, klass in self.changes:
            if kind in CLOSING:
                state = (state[0], False)
            else:
                state = (SETS.get(kind) or klass or state[0], True)
            out.append((at, state))
        return out

    def state_at(self, moment: datetime) -> tuple[str, bool]:
        state = ("unknown", True)
        for at, s in self.states():
            if at < moment:
                state = s
        return state

    def movement(self, group: str, start: datetime, end: datetime) -> Block:
        def member(s: tuple[str, bool]) -> bool:
            return s[1] and s[0] == group

        inside = member(self.state_at(start))
        first, exited, fell_back, newly = int(inside), 0, 0, 0
        for (at, kind, _), (_, s) in zip(self.changes, self.states(), strict=True):
            if not start <= at < end:
                continue
            if inside and not member(s):
                exited += 1
            elif member(s) and not inside:
                fell_back, newly = (fell_back + 1, newly) if kind == "fell_back" else (
                    fell_back, newly + 1)  # fmt: skip
            inside = member(s)
        return Block(first, exited, fell_back, newly, int(inside))


async def test_summary_equals_a_replay_of_random_histories(services: Services) -> None:
    rng = random.Random(20261126)
    await seed_units(services)
    officer = await link_person(services, "officer", "37", "Cán bộ tỉnh", None)
    reg = Register(services, officer)
    histories: list[History] = []
    base = datetime(2026, 9, 20, tzinfo=UTC)
    for n in range(36):
        hamlet = rng.choice(list(HAMLETS))
        h = History(hamlet)
        hid = await reg.household(hamlet, f"Hộ {n}", em=rng.random() < 0.3)
        moments = sorted(
            base + timedelta(hours=rng.randrange(24 * 90)) for _ in range(rng.randrange(5))
        )
        for at in moments:
            kind = rng.choice(KINDS)
            klass = None if kind in CLOSING else rng.choice(CLASSES)
            approve = rng.random() < 0.85
            await reg.change(hid, kind, klass, at, decision="approve" if approve else "reject")
            if approve:
                h.changes.append((at, kind, klass))
        histories.append(h)

    # The seed gives a history worth checking: entries, exits and falls back inside November.
    start, end = period_window(monthly(2026, 11))  # type: ignore[arg-type]
    nov = sum((h.movement("poor", start, end) for h in histories), Block())
    assert nov.exited and nov.newly and nov.fell_back and nov.start

    async with transaction(services.sessionmaker) as db:
        province = await unit_by_code(db, "37")
        for year, month in ((2026, 10), (2026, 11)):
            period = await ensure_period(db, monthly(year, month))
            start, end = period_window(period)
            rows = await summary(db, unit=province, period=period)  # type: ignore[arg-type]
            by_commune = {r.unit.code if r.unit else "TOTAL": r.all for r in rows}
            for commune in [*set(HAMLETS.values()), "TOTAL"]:
                mine = [h for h in histories if commune in ("TOTAL", HAMLETS[h.hamlet])]
                got = by_commune[commune]
                for group in ("poor", "near_poor"):
                    expected = sum((h.movement(group, start, end) for h in mine), Block())
                    assert getattr(got, group) == expected, (period.code, commune, group)
                assert got.households == sum(1 for h in mine if h.state_at(end)[1])
