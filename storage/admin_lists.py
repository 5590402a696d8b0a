"""The admin API's lists as queries: each limited to one unit's subtree, filtered, unordered
(the caller pages them with storage.paging.page and the order given beside each)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from domain.i18n import fold
from storage.hamlet_reports import _start_of
from storage.models import Invite, Person
from storage.models_api import ApiToken
from storage.models_outbox import OutboxMessage
from storage.models_register import Household, ReportingPeriod, Submission
from storage.orgtree import subtree_ids

INVITE_STATES = ("pending", "used", "expired")


def households(
    *, root_id: int, q: str | None, status: str | None, active: bool | None
) -> Select[tuple[Household]]:
    """By code (exact) or head's name (part, without diacritics or case), status, active."""
    stmt = select(Household).where(Household.hamlet_id.in_(subtree_ids(root_id)))  # type: ignore[attr-defined]
    if q and fold(q):
        key = fold(q)
        stmt = stmt.where(
            or_(
                func.lower(Household.code) == key,
                Household.name_key.contains(key, autoescape=True),  # type: ignore[attr-defined]
            )
        )
    if status:
        stmt = stmt.where(Household.status == status)
    if active is not None:
        stmt = stmt.where(Household.active.is_(active))  # type: ignore[attr-defined]
    return stmt


HOUSEHOLD_ORDER = (Household.name_key, Household.id)


def submissions(
    *,
    root_id: int,
    period: ReportingPeriod | None,
    status: str | None,
    kind: str | None,
    source: str | None = None,
) -> Select[tuple[Submission]]:
    """Of hamlets in the subtree; a period means submitted during it (Hà Nội dates)."""
    stmt = select(Submission).where(Submission.hamlet_id.in_(subtree_ids(root_id)))  # type: ignore[attr-defined]
    if period is not None:
        stmt = stmt.where(
            Submission.submitted_at >= _start_of(period.starts_on),  # type: ignore[operator]
            Submission.submitted_at < _start_of(period.ends_on + timedelta(days=1)),  # type: ignore[operator]
        )
    if status:
        stmt = stmt.where(Submission.status == status)
    if kind:
        stmt = stmt.where(Submission.kind == kind)
    if source:
        stmt = stmt.where(Submission.source == source)
    return stmt


SUBMISSION_ORDER = (Submission.submitted_at.desc(), Submission.id.desc())  # type: ignore[attr-defined,union-attr]


def people(*, root_id: int, role: str | None, active: bool | None) -> Select[tuple[Person]]:
    """People of units in the subtree, and households' people of its hamlets."""
    tree = subtree_ids(root_id)
    of_households = select(Household.id).where(Household.hamlet_id.in_(tree))  # type: ignore[attr-defined]
    stmt = select(Person).where(
        or_(Person.org_unit_id.in_(tree), Person.household_id.in_(of_households))  # type: ignore[union-attr]
    )
    if role:
        stmt = stmt.where(Person.role == role)
    if active is not None:
        stmt = stmt.where(Person.active.is_(active))  # type: ignore[attr-defined]
    return stmt


PERSON_ORDER = (Person.name, Person.id)


def invite_state(now: datetime, state: str) -> Any:
    if state == "used":
        return Invite.used_at.is_not(None)  # type: ignore[union-attr]
    unused = Invite.used_at.is_(None)  # type: ignore[union-attr]
    if state == "expired":
        return and_(unused, Invite.expires_at <= now)  # type: ignore[operator]
    return and_(unused, Invite.expires_at > now)  # type: ignore[operator]


def invites(*, root_id: int, state: str | None, now: datetime) -> Select[tuple[Invite]]:
    stmt = select(Invite).where(Invite.org_unit_id.in_(subtree_ids(root_id)))  # type: ignore[attr-defined]
    if state:
        stmt = stmt.where(invite_state(now, state))
    return stmt


INVITE_ORDER = (Invite.created_at.desc(), Invite.id.desc())  # type: ignore[attr-defined,union-attr]


def outbox(
    *, root_id: int, period_id: int | None, status: str | None, rule: str | None
) -> Select[tuple[OutboxMessage]]:
    """Reminders and notices about hamlets in the subtree, or to people of its units."""
    tree = subtree_ids(root_id)
    its_people = select(Person.id).where(Person.org_unit_id.in_(tree))  # type: ignore[union-attr]
    stmt = select(OutboxMessage).where(
        or_(
            OutboxMessage.hamlet_id.in_(tree),  # type: ignore[union-attr]
            and_(
                OutboxMessage.hamlet_id.is_(None),  # type: ignore[union-attr]
                OutboxMessage.person_id.in_(its_people),  # type: ignore[union-attr]
            ),
        )
    )
    if period_id is not None:
        stmt = stmt.where(OutboxMessage.period_id == period_id)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if rule:
        stmt = stmt.where(OutboxMessage.rule == rule)
    return stmt


OUTBOX_ORDER = (OutboxMessage.due_at.desc(), OutboxMessage.id.desc())  # type: ignore[attr-defined,union-attr]


def tokens(*, root_id: int, revoked: bool | None) -> Select[tuple[ApiToken]]:
    stmt = select(ApiToken).where(ApiToken.org_unit_id.in_(subtree_ids(root_id)))  # type: ignore[attr-defined]
    if revoked is not None:
        stmt = stmt.where(ApiToken.revoked.is_(revoked))  # type: ignore[attr-defined]
    return stmt


TOKEN_ORDER = (ApiToken.id,)
