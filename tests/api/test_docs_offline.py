"""/docs and /redoc work without internet: every asset they load is served by the app itself."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from api.app import create_app
from bot.services import Services
from tests.api.browser import launch, open_tab, serve

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ASSET = re.compile(r"""(?:src|href)\s*[=:]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize(
    ("page", "kinds"),
    [("/docs", {".js": "javascript", ".css": "text/css"}), ("/redoc", {".js": "javascript"})],
)
async def test_docs_pages_load_nothing_from_another_host(
    client: httpx.AsyncClient, page: str, kinds: dict[str, str]
) -> None:
    r = await client.get(page)
    assert r.status_code == 200
    assets = ASSET.findall(r.text)
    assert assets, r.text
    for url in assets:
        assert url.startswith("/"), f"{page} loads {url} from another host"
    for suffix, kind in kinds.items():
        wanted = [u for u in assets if u.endswith(suffix)]
        assert wanted, f"{page} loads no {suffix}"
        for url in wanted:
            got = await client.get(url)
            assert got.status_code == 200, url
            assert kind in got.headers["content-type"], url
            assert len(got.content) > 10_000, url  # the real bundle, not a stub


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with launch(tmp_path_factory.mktemp("chromium")) as address:
        yield address


@pytest.fixture
async def base_url(services: Services) -> AsyncIterator[str]:
    async with serve(create_app(services, own_services=False)) as url:
        yield url


async def test_swagger_ui_draws_the_operations_with_the_internet_blocked(
    chromium: str, base_url: str
) -> None:
    async with open_tab(chromium) as tab:
        await tab.send("Network.enable")
        # Anything but the app (served over http on 127.0.0.1) fails, as on an office network
        # with no way out.
        await tab.send("Network.setBlockedURLs", urls=["https://*", "*://cdn.*", "*://fonts.*"])
        await tab.goto(base_url + "/docs")
        count = await tab.wait_for(
            "document.querySelectorAll('.swagger-ui .opblock').length", within=20
        )
        assert count > 20
        assert "ChungTay admin API" in await tab.eval(
            "document.querySelector('.swagger-ui .title').textContent"
        )
        await tab.snap("docs-offline")
        assert tab.errors == []
