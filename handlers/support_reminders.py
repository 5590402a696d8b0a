"""The monthly nudge of assigned helpers (issue 16): the contact of each supporter assigned to a
household hears which households it helps. Planned like handlers/reminders.py: one outbox row per
key (month, person, supporter), so re-planning adds nothing already there."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.i18n import N_, Translator
from domain.reminders import HELPER_NUDGE, SUPPORT_RULES, QuietHours, decide, monthly_firings
from handlers.reminder_plan import LOOKBACK, Planned, _address, _base, _World
from storage.models import Person
from storage.models_register import Household
from storage.models_support import Assignment, Supporter

NAMES_SHOWN = 5
TEXT = N_(
    "Monthly reminder for {supporter}: you help {count} household(s): {households}. Please tell "
    "the hamlet head or the commune officer about any support given, so that it is recorded."
)
MORE = N_("{names} and {n} more")
RECORD_BUTTON = N_("Record a support")
# Who may record the support themselves (/hotro): the button is offered to them only.
RECORDERS = ("hamlet_head", "officer")
RULE = {r.kind: r for r in SUPPORT_RULES}


async def plan_helpers(
    db: AsyncSession, world: _World, now: datetime, *, grace: timedelta, quiet: QuietHours
) -> list[Planned]:
    out: list[Planned] = []
    firings = [
        (firing, decision)
        for firing in monthly_firings(now - LOOKBACK, now, RULE[HELPER_NUDGE])
        if (decision := decide(firing, now, grace=grace, quiet=quiet)) is not None
    ]
    if not firings:
        return out
    stmt = (
        select(Supporter, Person, Household.head_name, Household.code)
        .join(Assignment, Assignment.supporter_id == Supporter.id)  # type: ignore[arg-type]
        .join(Household, Household.id == Assignment.household_id)  # type: ignore[arg-type]
        .join(Person, Person.id == Supporter.contact_person_id)  # type: ignore[arg-type]
        .where(
            Assignment.active.is_(True),  # type: ignore[attr-defined]
            Supporter.active.is_(True),  # type: ignore[attr-defined]
            Household.active.is_(True),  # type: ignore[attr-defined]
            Person.active.is_(True),  # type: ignore[attr-defined]
        )
        .order_by(Supporter.id, Household.head_name, Household.id)
    )
    helped: dict[int, list[str]] = defaultdict(list)
    who: dict[int, tuple[Supporter, Person]] = {}
    for supporter, person, name, code in (await db.execute(stmt)).all():
        helped[supporter.id].append(f"{name} ({code})")
        who[supporter.id] = (supporter, person)
    for firing, decision in firings:
        for supporter_id, households in helped.items():
            supporter, person = who[supporter_id]
            key = f"{firing.key}:u{person.id}:s{supporter_id}"
            planned = _base(key, firing, decision, None, person_id=person.id, hamlet_id=None)
            t = Translator(person.locale)
            names = ", ".join(households[:NAMES_SHOWN])
            if len(households) > NAMES_SHOWN:
                names = t(MORE, names=names, n=len(households) - NAMES_SHOWN)
            planned.text = t(
                TEXT, supporter=supporter.name, count=len(households), households=names
            )
            if person.role in RECORDERS:
                planned.choices = [["flow:support", t(RECORD_BUTTON)]]
            out.append(_address(world, person, planned))
    return out
