"""A paged household search: the page and the total from one statement, and past the end."""

from __future__ import annotations

from bot.services import Services
from storage.db import transaction
from storage.orgtree import unit_by_code
from storage.register import create_household, search_households
from tests.support import seed_units, statements_sent

NAMES = [
    "Lê Thị Mai",
    "Lê Văn Hùng",
    "Lê Thị Hoa",
    "Lê Văn Nam",
    "Lê Thị Lan",
    "Lê Văn Tú",
    "Trần Văn Ba",
]


async def test_pages_of_a_search_with_their_total(services: Services) -> None:
    await seed_units(services)
    async with transaction(services.sessionmaker) as db:
        hamlet = await unit_by_code(db, "37-GIAVIEN-01")
        assert hamlet is not None
        for name in NAMES:
            await create_household(
                db,
                hamlet=hamlet,
                head_name=name,
                members=3,
                ethnic_minority=False,
                phone=None,
                actor="t",
                registered=True,
            )

    async def search(query: str, offset: int) -> tuple[list[str], int]:
        async with services.sessionmaker() as db:
            items, total = await search_households(
                db, hamlet_id=hamlet.id, query=query, limit=4, offset=offset
            )
        return [h.head_name for h in items], total

    with statements_sent(services) as statements:
        first = await search("le", 0)  # without diacritics: the six "Lê"
        one_statement = len(statements)
        second = await search("le", 4)
        past = await search("le", 8)
        none = await search("nguyen", 0)
    assert first == (["Lê Thị Hoa", "Lê Thị Lan", "Lê Thị Mai", "Lê Văn Hùng"], 6)
    assert one_statement == 1
    assert second == (["Lê Văn Nam", "Lê Văn Tú"], 6)
    assert past == ([], 6)
    assert none == ([], 0)
