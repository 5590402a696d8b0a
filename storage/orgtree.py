"""The org tree: CSV import (all or nothing) and lookups."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.i18n import N_, Translator, drop_controls, nfc
from storage.audit import record
from storage.models import OrgUnit
from storage.types import utcnow

COLUMNS = ("code", "name", "level", "parent_code", "area")
AREAS = ("rural", "urban")
LIMITS = {"code": 32, "name": 200, "level": 32}  # the columns' sizes


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str
    area: str


@dataclass(frozen=True)
class RowError:
    line: int
    msgid: str
    params: dict[str, object]

    def message(self, t: Translator) -> str:
        return t("Line {line}: ", line=self.line) + t(self.msgid, **self.params)


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def parse_csv(text: str) -> list[UnitRow]:
    """Rows with their line numbers; header problems and malformed rows raise ImportFailed."""
    reader = csv.reader(io.StringIO(nfc(text.lstrip("\ufeff"))))
    try:
        return _rows(reader)
    except csv.Error:  # a stray carriage return, an unterminated quote at the end…
        line = max(reader.line_num, 1)
        raise ImportFailed([RowError(line, N_("this line is not valid CSV"), {})]) from None


def _rows(reader: Any) -> list[UnitRow]:
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportFailed([RowError(1, N_("the file is empty"), {})]) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFailed(
            [RowError(1, N_("missing columns: {columns}"), {"columns": ", ".join(missing)})]
        )
    idx = {c: header.index(c) for c in COLUMNS}
    rows, errors = [], []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(header):
            errors.append(
                RowError(
                    line,
                    N_("expected {n} columns, found {found}"),
                    {"n": len(header), "found": len(values)},
                )
            )
            continue
        get = {c: drop_controls(values[i]).strip() for c, i in idx.items()}
        rows.append(
            UnitRow(
                line,
                get["code"],
                get["name"],
                get["level"].lower(),
                get["parent_code"],
                get["area"].lower(),
            )
        )
    if errors:
        raise ImportFailed(errors)
    return rows


def _validate(rows: list[UnitRow], existing: dict[str, OrgUnit]) -> list[RowError]:
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    parents = {r.code: r.parent_code for r in rows}
    for r in rows:
        if not r.code:
            errors.append(RowError(r.line, N_("the code is empty"), {}))
        elif r.code in seen:
            errors.append(
                RowError(
                    r.line,
                    N_("code {code} already appears on line {other}"),
                    {"code": r.code, "other": seen[r.code]},
                )
            )
        seen.setdefault(r.code, r.line)
        if not r.name:
            errors.append(RowError(r.line, N_("the name is empty"), {}))
        if not r.level:
            errors.append(RowError(r.line, N_("the level is empty"), {}))
        for column, limit in LIMITS.items():
            if len(getattr(r, column)) > limit:
                errors.append(
                    RowError(
                        r.line,
                        N_("{column} is longer than {limit} characters"),
                        {"column": column, "limit": limit},
                    )
                )
        if r.area and r.area not in AREAS:
            errors.append(
                RowError(r.line, N_("area must be rural or urban, not '{area}'"), {"area": r.area})
            )
        if r.parent_code and r.parent_code not in parents and r.parent_code not in existing:
            errors.append(
                RowError(
                    r.line, N_("parent code {parent} does not exist"), {"parent": r.parent_code}
                )
            )
        # Walk up through the file's own parents to catch A -> B -> A.
        hops, cur = 0, r.parent_code
        while cur in parents and hops <= len(rows):
            if cur == r.code:
                errors.append(
                    RowError(r.line, N_("unit {code} would be its own ancestor"), {"code": r.code})
                )
                break
            cur, hops = parents[cur], hops + 1
    return errors


def outside_subtree(
    rows: list[UnitRow], *, root_code: str, inside: set[str], existing: set[str]
) -> list[RowError]:
    """Rows a token limited to `root_code`'s subtree may not write: the root itself, units now
    elsewhere in the tree, and units whose parent is not (or does not lead back) inside it."""
    errors: list[RowError] = []
    parents = {r.code: r.parent_code for r in rows}

    def placed_inside(parent: str) -> bool:
        hops = 0
        while parent in parents and parent not in inside and hops <= len(rows):
            parent, hops = parents[parent], hops + 1
        return parent in inside or (parent not in existing and parent not in parents)

    for r in rows:
        if r.code == root_code or (r.code in existing and r.code not in inside):
            errors.append(
                RowError(r.line, N_("unit {code} is outside your scope"), {"code": r.code})
            )
        elif not r.parent_code:
            errors.append(RowError(r.line, N_("only an admin token may add a top-level unit"), {}))
        elif not placed_inside(r.parent_code):
            errors.append(
                RowError(
                    r.line,
                    N_("parent unit {parent} is outside your scope"),
                    {"parent": r.parent_code},
                )
            )
    return errors


async def import_units(session: AsyncSession, rows: list[UnitRow], *, actor: str) -> ImportResult:
    """Upsert by code inside the caller's transaction; any bad row raises before anything is written."""
    existing = {u.code: u for u in (await session.execute(select(OrgUnit))).scalars()}
    errors = _validate(rows, existing)
    if errors:
        raise ImportFailed(errors)
    by_code = {r.code: r for r in rows}
    done: dict[str, OrgUnit] = {}
    created = updated = unchanged = 0

    async def place(r: UnitRow) -> OrgUnit:
        nonlocal created, updated, unchanged
        if r.code in done:
            return done[r.code]
        parent = None
        if r.parent_code:
            parent = (
                await place(by_code[r.parent_code])
                if r.parent_code in by_code
                else existing[r.parent_code]
            )
        area = r.area or (parent.area if parent else "rural")
        unit = existing.get(r.code)
        new = {
            "name": r.name,
            "level": r.level,
            "parent_id": parent.id if parent else None,
            "area": area,
        }
        if unit is None:
            unit = OrgUnit(code=r.code, **new)
            session.add(unit)
            await session.flush()
            record(
                session,
                actor=actor,
                action="org_unit.create",
                entity=f"org_unit:{unit.id}",
                after={"code": r.code, **new},
            )
            created += 1
        else:
            old = {k: getattr(unit, k) for k in new}
            if old != new:
                for k, v in new.items():
                    setattr(unit, k, v)
                unit.updated_at = utcnow()
                record(
                    session,
                    actor=actor,
                    action="org_unit.update",
                    entity=f"org_unit:{unit.id}",
                    before=old,
                    after=new,
                )
                updated += 1
            else:
                unchanged += 1
        done[r.code] = unit
        return unit

    for r in rows:
        await place(r)
    await session.flush()
    return ImportResult(created, updated, unchanged)


async def unit_by_code(session: AsyncSession, code: str) -> OrgUnit | None:
    return (await session.execute(select(OrgUnit).where(OrgUnit.code == code))).scalar_one_or_none()


async def unit_by_id(session: AsyncSession, unit_id: int | None) -> OrgUnit | None:
    return await session.get(OrgUnit, unit_id) if unit_id is not None else None


async def unit_and_parent(
    session: AsyncSession, unit_id: int | None
) -> tuple[OrgUnit | None, OrgUnit | None]:
    """A unit and the unit above it (None at the top), in one statement."""
    if unit_id is None:
        return None, None
    parent = aliased(OrgUnit)
    stmt = (
        select(OrgUnit, parent)
        .outerjoin(parent, parent.id == OrgUnit.parent_id)  # type: ignore[arg-type]
        .where(OrgUnit.id == unit_id)
    )
    found = (await session.execute(stmt)).one_or_none()
    return (found[0], found[1]) if found is not None else (None, None)


def subtree_ids(root_id: int) -> Select[tuple[int]]:
    """SELECT of the unit's id and every descendant's, at any depth (a recursive CTE)."""
    tree = select(OrgUnit.id).where(OrgUnit.id == root_id).cte("tree", recursive=True)
    tree = tree.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
    return select(tree.c.id)
