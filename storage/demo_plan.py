"""What `make run` puts in an empty database, planned without touching it: a register that looks
like a commune's, and a year of its history. storage.demo writes the plan through the same
storage functions the bot uses, so the figures come out as real ones would.

Deterministic: one seeded random generator, whatever the day; only the dates follow `now` (the
year before it). Per hamlet 100-250 households, a few per cent poor and near-poor (more among
ethnic-minority households, fewer in town), each poor or near-poor household with an approved
assessment (income under the line, its deprivations) from the last annual review; then month by
month a few households exit, a few fall back or become poor, some move away, some register to
exit themselves; the last few days' reports still await the officer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from domain.calendar import monthly
from domain.causes import CAUSES
from domain.classify import AVERAGE, NEAR_POOR, NOT_POOR, POOR, classify
from domain.i18n import LOCAL_TZ
from domain.standards import Standard, standard_for

SEED = 2026
MONTHS = 12  # of history before the current month


@dataclass(frozen=True)
class HamletProfile:
    """How a hamlet's register is drawn: households, and shares of poor, near-poor, minority."""

    households: tuple[int, int]
    poor: float
    near_poor: float
    ethnic_minority: float


# By commune code prefix: a lowland rural commune, a poorer one with Mường villages, a town ward.
PROFILES = {
    "37-GIAVIEN": HamletProfile((140, 230), 0.045, 0.05, 0.03),
    "37-KIMSON": HamletProfile((110, 190), 0.075, 0.07, 0.30),
    "37-HOALU": HamletProfile((160, 250), 0.015, 0.025, 0.02),
}
DEFAULT_PROFILE = HamletProfile((100, 200), 0.04, 0.05, 0.05)
MINORITY_POVERTY = 2.5  # how much likelier a minority household is to be poor (check the figure)

# Monthly chances of a change, per household of the group concerned.
EXIT = 0.05  # poor -> near-poor or above: the rate falls about 1.3 points a year
EXIT_NEAR = 0.03  # near-poor -> above
NEWLY_POOR, NEWLY_NEAR = 0.0006, 0.0015  # from the rest
FELL_BACK = 0.02  # a household that exited this year falls back
MOVED_OUT = 0.0008
ANY_CHANGE = max(EXIT, EXIT_NEAR, FELL_BACK, NEWLY_POOR + NEWLY_NEAR)
SELF_REGISTERED = 0.3  # of exits from poverty, the household's own exit registration

# How common each deprivation is among poor households (indicator code: weight); others 1.
DEPRIVATION_WEIGHTS = {
    "health_insurance": 5,
    "water": 4,
    "latrine": 4,
    "housing_quality": 3,
    "info_assets": 3,
    "adult_education": 3,
    "employment": 2,
    "dependants": 2,
    "housing_area": 2,
    "internet": 2,
    "waste": 2,
}

FAMILY = (
    ("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 8), ("Hoàng", 4), ("Vũ", 5),
    ("Đặng", 3), ("Bùi", 5), ("Đỗ", 4), ("Ngô", 2), ("Dương", 2), ("Đinh", 3), ("Đào", 2),
    ("Mai", 2), ("Trịnh", 2), ("Lương", 1), ("Tạ", 1), ("Hà", 1),
)  # fmt: skip
MINORITY_FAMILY = (("Đinh", 5), ("Quách", 4), ("Bạch", 2), ("Bùi", 5), ("Hà", 3), ("Lò", 1))
MIDDLE = {"m": ("Văn", "Văn", "Đức", "Minh", "Xuân", "Hữu", "Quang"),
          "f": ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh")}  # fmt: skip
GIVEN = {
    "m": ("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Hùng", "Khánh", "Long", "Mạnh", "Nam",
          "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Vinh", "Hưng", "Toàn", "Đạt", "Lâm"),
    "f": ("Anh", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Mai", "Nga",
          "Nhung", "Oanh", "Phương", "Thảo", "Thủy", "Trang", "Yến", "Xuân", "Hằng", "Loan"),
}  # fmt: skip
MEMBERS = ((1, 6), (2, 15), (3, 22), (4, 27), (5, 16), (6, 9), (7, 5))


@dataclass
class PlannedHousehold:
    hamlet: str
    head_name: str
    members: int
    ethnic_minority: bool
    area: str
    status: str  # as it stands now in the plan: changes move it
    initial_status: str = ""  # before any report: not_poor, average or unknown
    active: bool = True
    exited_at: datetime | None = None  # last exit this year (it may fall back)
    pending: bool = False  # a report about it awaits the officer: no other change meanwhile


@dataclass(frozen=True)
class PlannedChange:
    """A submission about one household; decided (approved) at `decided_at`, or pending."""

    household: int  # index into DemoPlan.households
    kind: str
    source: str  # hamlet_head | household
    submitted_at: datetime
    decided_at: datetime | None
    answers: dict[str, object]
    result: dict[str, object]
    after: str | None  # the status it sets (None: closes the household)


@dataclass(frozen=True)
class PlannedReport:
    hamlet: str
    month: date  # the period's first day
    submitted_at: datetime
    approved: bool


@dataclass
class DemoPlan:
    households: list[PlannedHousehold] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)  # in order of decision
    reports: list[PlannedReport] = field(default_factory=list)
    months: list[date] = field(default_factory=list)  # the periods, oldest first


def _pick(rng: random.Random, weighted: Sequence[tuple[object, int]]) -> object:
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights)[0]


def _name(rng: random.Random, minority: bool) -> str:
    sex = rng.choice("mf")
    family = _pick(rng, MINORITY_FAMILY if minority else FAMILY)
    return f"{family} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ).astimezone(UTC)


def _months_before(today: date, n: int) -> list[date]:
    """The first days of the n months before today's month, then today's month; oldest first."""
    year, month = today.year, today.month
    out = []
    for back in range(n, -1, -1):
        y, m = divmod(month - 1 - back, 12)
        out.append(date(year + y, m + 1, 1))
    return out


class Planner:
    def __init__(self, now: datetime, standards: dict[str, Standard] | None = None) -> None:
        self.rng = random.Random(SEED)
        self.now = now
        self.today = now.astimezone(LOCAL_TZ).date()
        self.standards = standards
        self.plan = DemoPlan(months=_months_before(self.today, MONTHS))

    # ---- one assessment: an income and deprivations that classify as wanted ----------------
    def assess(self, h: PlannedHousehold, target: str, day: date) -> dict[str, object]:
        rng, standard = self.rng, standard_for(day, self.standards)
        lines = standard.lines(h.area)
        line, top = lines.poverty_line, lines.average_line or lines.poverty_line
        codes = standard.indicator_codes
        weights = [DEPRIVATION_WEIGHTS.get(c, 1) for c in codes]
        if target == POOR:
            income, n = rng.randint(int(line * 0.55), line), rng.randint(3, 6)
        elif target == NEAR_POOR:
            income, n = rng.randint(int(line * 0.65), line), rng.choice((0, 1, 1, 2, 2))
        elif target == AVERAGE and lines.average_line is not None:
            income, n = rng.randint(line + 1, top), rng.choice((0, 0, 1, 2))
        else:
            income, n = rng.randint(top + 1, int(top * 1.6)), rng.choice((0, 0, 0, 1))
        deprived: set[str] = set()
        while len(deprived) < min(n, len(codes)):
            deprived.add(rng.choices(codes, weights)[0])
        income -= income % 10_000  # people give round figures
        result = classify(
            area=h.area,
            household_income=income * h.members,
            members=h.members,
            deprived=sorted(deprived),
            standard=standard,
        ).to_json()
        assert result["class"] == target or target == AVERAGE, (target, result)
        return result

    # ---- the register before the year ---------------------------------------------------------
    def register(self, hamlets: Sequence[tuple[str, str]]) -> list[tuple[int, str]]:
        """Households of each (hamlet code, area); returns (index, class) of the ones to be
        listed poor or near-poor by last year's annual review."""
        rng, listed = self.rng, []
        for code, area in hamlets:
            profile = next(
                (p for prefix, p in PROFILES.items() if code.startswith(prefix + "-")),
                DEFAULT_PROFILE,
            )
            for _ in range(rng.randint(*profile.households)):
                minority = rng.random() < profile.ethnic_minority
                h = PlannedHousehold(
                    hamlet=code,
                    head_name=_name(rng, minority),
                    members=int(_pick(rng, MEMBERS)),  # type: ignore[call-overload]
                    ethnic_minority=minority,
                    area=area,
                    status=AVERAGE if rng.random() < 0.12 else NOT_POOR,
                )
                self.plan.households.append(h)
                boost = MINORITY_POVERTY if minority else 1.0
                roll = rng.random()
                if roll < profile.poor * boost:
                    listed.append((len(self.plan.households) - 1, POOR))
                elif roll < (profile.poor + profile.near_poor) * boost:
                    listed.append((len(self.plan.households) - 1, NEAR_POOR))
        return listed

    def change(
        self, i: int, kind: str, target: str | None, at: datetime, *, source: str = "hamlet_head"
    ) -> None:
        h = self.plan.households[i]
        decided = at + timedelta(days=self.rng.randint(1, 4), hours=self.rng.randint(0, 5))
        pending = decided >= self.now
        answers: dict[str, object] = {"kind": kind, "members": h.members}
        result: dict[str, object] = {}
        if target is not None:
            result = self.assess(h, target, decided.astimezone(LOCAL_TZ).date())
            income = result["income_per_capita"]
            answers.update(income=income * h.members, deprived=result["deprived"])  # type: ignore[operator]
            if target == POOR:
                answers["cause"] = self.rng.choice(CAUSES[:9])[0]
        self.plan.changes.append(
            PlannedChange(
                household=i,
                kind=kind,
                source=source,
                submitted_at=at,
                decided_at=None if pending else decided,
                answers=answers,
                result=result,
                after=None if target is None else str(result.get("class", target)),
            )
        )
        if pending:
            h.pending = True
            return
        if target is None:
            h.active = False
        else:
            h.status = str(result["class"])


def _when(rng: random.Random, month: date, last_day: int) -> datetime:
    return _local(
        month.replace(day=rng.randint(1, last_day)), rng.randint(7, 16), rng.randint(0, 59)
    )


def build(hamlets: Sequence[tuple[str, str]], now: datetime) -> DemoPlan:
    """The plan for these (hamlet code, area), the year before `now`."""
    p = Planner(now)
    rng, plan = p.rng, p.plan
    review = _local(plan.months[0] - timedelta(days=20), 9, 0)  # last year's annual review
    listed = p.register(hamlets)
    for i, _ in listed:
        plan.households[i].status = "unknown"  # until the review's decision lists it
    for h in plan.households:
        h.initial_status = h.status
    for i, klass in listed:
        kind = "newly_poor" if klass == POOR else "newly_near_poor"
        p.change(i, kind, klass, review - timedelta(days=4))
    for month in plan.months:
        current = month == plan.months[-1]
        last_day = min(24, p.today.day - 1) if current else 24
        if last_day < 1:
            continue
        for i, h in enumerate(plan.households):
            if not h.active or h.pending:
                continue
            roll = rng.random()
            if ANY_CHANGE < roll < 1 - MOVED_OUT:  # nothing happens: most households, most months
                continue
            at = _when(rng, month, last_day)
            if h.status == POOR and roll < EXIT:
                if rng.random() < SELF_REGISTERED:
                    p.change(i, "exit_registration", AVERAGE, at, source="household")
                else:
                    p.change(i, "exited_poverty", rng.choice((NEAR_POOR, AVERAGE, AVERAGE)), at)
                h.exited_at = at
            elif h.status == NEAR_POOR and roll < EXIT_NEAR:
                p.change(i, "exited_near_poverty", AVERAGE, at)
                h.exited_at = at
            elif h.exited_at and h.status == AVERAGE and roll < FELL_BACK:
                p.change(i, "fell_back", POOR, at)
            elif h.status in (AVERAGE, NOT_POOR) and roll < NEWLY_POOR:
                p.change(i, "newly_poor", POOR, at)
            elif h.status in (AVERAGE, NOT_POOR) and roll < NEWLY_POOR + NEWLY_NEAR:
                p.change(i, "newly_near_poor", NEAR_POOR, at)
            elif roll > 1 - MOVED_OUT:
                p.change(i, "moved_out", None, at)
        _reports(p, month, current)
    plan.changes.sort(key=lambda c: c.decided_at or datetime.max.replace(tzinfo=UTC))
    return plan


def _reports(p: Planner, month: date, current: bool) -> None:
    """Most hamlets answer their period report, most on time; the officer approved all but the
    last month's. This month only after the 20th, and never Thôn Đông's (the newcomer's)."""
    rng, spec = p.rng, monthly(month.year, month.month)
    deadline_day = spec.hamlet_deadline.astimezone(LOCAL_TZ).day
    for hamlet in sorted({h.hamlet for h in p.plan.households}):
        if current and (p.today.day <= 20 or hamlet.endswith("GIAVIEN-01")):
            continue
        if rng.random() > (0.6 if current else 0.92):
            continue
        late = rng.random() < 0.12
        day = rng.randint(deadline_day + 1, 28) if late else rng.randint(18, deadline_day)
        if current and day >= p.today.day:
            day = p.today.day - 1
        at = _local(month.replace(day=day), rng.randint(7, 20), rng.randint(0, 59))
        last = month == p.plan.months[-2]
        p.plan.reports.append(PlannedReport(hamlet, month, at, not (current or last)))
