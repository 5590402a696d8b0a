"""CSV import of the org tree: idempotent upsert, all-or-nothing, errors naming the line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services import Services
from domain.i18n import Translator
from storage.db import transaction
from storage.models import AuditLog, OrgUnit
from storage.orgtree import ImportFailed, import_units, parse_csv, unit_and_parent, unit_by_code
from tests.support import statements_sent

GOOD = """code,name,level,parent_code,area
37,Tỉnh Ninh Bình,province,,rural
37-X,Xã Gia Viễn,commune,37,
37-X-1,Thôn Đông,hamlet,37-X,
37-P,Phường Hoa Lư,commune,37,urban
37-P-1,Tổ 1,hamlet,37-P,
"""


async def _import(services: Services, text: str):  # type: ignore[no-untyped-def]
    async with transaction(services.sessionmaker) as db:
        return await import_units(db, parse_csv(text), actor="test")


async def _count(services: Services) -> int:
    async with services.sessionmaker() as db:
        return (await db.execute(select(func.count()).select_from(OrgUnit))).scalar_one()


async def test_import_builds_the_tree_and_inherits_area(services: Services) -> None:
    result = await _import(services, GOOD)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    async with services.sessionmaker() as db:
        hamlet = await unit_by_code(db, "37-P-1")
        commune = await unit_by_code(db, "37-P")
        assert hamlet and commune
        assert hamlet.parent_id == commune.id
        assert hamlet.area == "urban"  # blank area inherits the parent's
        assert (await unit_by_code(db, "37-X-1")).area == "rural"  # type: ignore[union-attr]


async def test_import_is_idempotent_and_updates_changed_rows(services: Services) -> None:
    await _import(services, GOOD)
    again = await _import(services, GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    renamed = await _import(services, GOOD.replace("Thôn Đông,", "Thôn Đông Một,"))
    assert (renamed.created, renamed.updated) == (0, 1)
    async with services.sessionmaker() as db:
        assert (await unit_by_code(db, "37-X-1")).name == "Thôn Đông Một"  # type: ignore[union-attr]
        actions = (await db.execute(select(AuditLog.action))).scalars().all()
        assert actions.count("org_unit.create") == 5 and actions.count("org_unit.update") == 1


async def test_children_may_come_before_parents(services: Services) -> None:
    lines = GOOD.strip().splitlines()
    reordered = "\n".join([lines[0], *reversed(lines[1:])])
    assert (await _import(services, reordered)).created == 5


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("37-X-2,Thôn Tây,hamlet,37-NOPE,", "Dòng 7: mã đơn vị cấp trên 37-NOPE không tồn tại"),
        ("37-X-2,,hamlet,37-X,", "Dòng 7: tên đơn vị bị trống"),
        (
            "37-X-2,Thôn Tây,hamlet,37-X,city",
            "Dòng 7: khu vực phải là rural (nông thôn) hoặc urban (thành thị), không phải «city»",
        ),
        ("37-X-1,Thôn Trùng,hamlet,37-X,", "Dòng 7: mã 37-X-1 đã có ở dòng 4"),
        ("37-X-2,Thôn Tây", "Dòng 7: cần 5 cột, nhưng chỉ có 2"),
    ],
)
async def test_one_bad_row_names_the_line_and_changes_nothing(
    services: Services, bad_row: str, message: str
) -> None:
    await _import(services, GOOD.replace("Thôn Đông,", "Thôn Cũ,"))
    before = await _count(services)
    with pytest.raises(ImportFailed) as exc:
        await _import(services, GOOD + bad_row + "\n")
    t = Translator("vi")
    assert message in [e.message(t) for e in exc.value.errors]
    assert await _count(services) == before
    async with services.sessionmaker() as db:
        # The good rows of the failed file (a rename) were not applied either.
        assert (await unit_by_code(db, "37-X-1")).name == "Thôn Cũ"  # type: ignore[union-attr]


async def test_cycles_are_refused(services: Services) -> None:
    text = "code,name,level,parent_code,area\nA,A,x,B,\nB,B,x,A,\n"
    with pytest.raises(ImportFailed) as exc:
        await _import(services, text)
    assert {e.line for e in exc.value.errors} == {2, 3}


def test_missing_columns_are_reported_on_line_1() -> None:
    with pytest.raises(ImportFailed) as exc:
        parse_csv("code,name\n1,a\n")
    assert (
        exc.value.errors[0].message(Translator("vi"))
        == "Dòng 1: thiếu cột: level, parent_code, area"
    )


async def test_unit_and_parent_in_one_statement(services: Services) -> None:
    await _import(services, GOOD)
    async with services.sessionmaker() as db:
        hamlet = await unit_by_code(db, "37-X-1")
        province = await unit_by_code(db, "37")
        assert hamlet is not None and province is not None
        with statements_sent(services) as statements:
            found, parent = await unit_and_parent(db, hamlet.id)
            top, none = await unit_and_parent(db, province.id)
            missing = await unit_and_parent(db, 10**9)
    assert found is not None and parent is not None
    assert (found.code, parent.code) == ("37-X-1", "37-X")
    assert top is not None and top.code == "37" and none is None
    assert missing == (None, None)
    assert len(statements) == 3  # one each
