"""The dashboard's list of the households whose needs nobody addresses (issue 16), in headless
Chromium against the real app: the poor household lacking health insurance and a latrine is
listed with the kinds of support that would address each need, until a helper is assigned."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from api.app import create_app
from bot.services import Services
from storage.db import transaction
from storage.models_register import Household
from storage.orgtree import unit_by_code
from storage.support import assign, supporter_for
from tests.api.browser import launch, open_tab, serve
from tests.api.conftest import make_token
from tests.api.test_dashboard import READY, sign_in, text, visible
from tests.support import assess_household, make_household, seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
GAPS = "[...document.querySelectorAll('#gaps-list li')].map(li => li.textContent)"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with launch(tmp_path_factory.mktemp("chromium")) as address:
        yield address


@pytest.fixture
async def base_url(services: Services) -> AsyncIterator[str]:
    async with serve(create_app(services, own_services=False)) as url:
        yield url


async def test_the_households_nobody_helps(
    chromium: str, base_url: str, services: Services
) -> None:
    await seed_units(services)
    mai = await make_household(services, "37-GIAVIEN-01", "Lê Thị Mai", 4, "poor")
    await assess_household(
        services, mai, "nd07-2021", ["health_insurance", "latrine"], ["no_capital"]
    )
    await make_household(services, "37-GIAVIEN-02", "Trần Văn Bình", 3, "near_poor")
    token = await make_token(services, "officer", "37-GIAVIEN")
    async with open_tab(chromium) as tab:
        await sign_in(tab, base_url, token)
        assert await tab.wait_for(READY) == "1", tab.errors
        assert await tab.eval(text("gaps-heading")) == "Thiếu hụt chưa ai hỗ trợ"
        assert await tab.eval(text("gaps-count")) == (
            "1/2 hộ nghèo, cận nghèo có thiếu hụt chưa ai hỗ trợ (2 hộ chưa có người giúp đỡ)."
        )
        assert await tab.eval(GAPS) == [
            f"Lê Thị Mai ({mai}) · Thôn Đông"
            "Bảo hiểm y tế (→ Thẻ BHYT); Nhà tiêu hợp vệ sinh (→ Nước sạch / nhà tiêu); "
            "Thiếu vốn sản xuất (→ Vốn vay ưu đãi)"
        ]

    async with transaction(services.sessionmaker) as db:
        commune = await unit_by_code(db, "37-GIAVIEN")
        women, _ = await supporter_for(
            db,
            commune_id=commune.id,
            name="Hội Phụ nữ xã",
            kind="women_union",
            actor="test",  # type: ignore[union-attr,arg-type]
        )
        household = await db.get(Household, 1)
        await assign(
            db,
            household=household,
            supporter=women,
            assigned_on=services.clock().date(),  # type: ignore[arg-type]
            assigned_by=None,
            actor="test",
        )
    async with open_tab(chromium) as tab:
        await sign_in(tab, base_url, token)
        assert await tab.wait_for(READY) == "1", tab.errors
        assert await tab.eval(GAPS) == []
        assert await tab.eval(visible("gaps-empty"))
