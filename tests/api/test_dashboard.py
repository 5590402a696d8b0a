"""The dashboard in headless Chromium against the real app under uvicorn: the charts carry the
hand-computed fixture's numbers (tests/api/conftest.py `dashboard_data`), in Vietnamese."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api.app import create_app
from bot.services import Services
from storage.db import transaction
from storage.models_api import ApiToken
from storage.seed import seed_demo
from tests.api.browser import Tab, launch, open_tab, serve
from tests.api.conftest import Tokens, make_token
from tests.api.documents_round import build_round
from tests.conftest import SECRET

# The browser is slow enough; the figures are the same on both backends (tests/api/test_reports).
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

BARS = """[...document.querySelectorAll('#completeness-chart g.bar')].map(g => [
  g.dataset.unit, g.querySelector('text.name').textContent, g.querySelector('text.figure').textContent,
  Math.round(100 * g.querySelector('rect.value').getAttribute('width')
    / g.querySelector('rect.track').getAttribute('width'))])"""
POINTS = """[...document.querySelectorAll('#trend-chart g.point')].map(g => [
  g.dataset.series, g.dataset.period, Number(g.dataset.value), g.querySelector('text').textContent])"""
PENDING = "[...document.querySelectorAll('#pending-list li')].map(li => li.textContent)"
READY = "document.body.dataset.ready"
# Figures read "7,3 %" with a no-break space (\u00a0): a number never wraps away from its sign.


def visible(element_id: str) -> str:
    return f"!document.getElementById('{element_id}').closest('[hidden]')"


def text(element_id: str) -> str:
    return f"document.getElementById('{element_id}').textContent"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with launch(tmp_path_factory.mktemp("chromium")) as address:
        yield address


@pytest.fixture
async def base_url(services: Services) -> AsyncIterator[str]:
    async with serve(create_app(services, own_services=False)) as url:
        yield url


async def sign_in(tab: Tab, base_url: str, token: str, path: str = "/dashboard") -> None:
    await tab.goto(base_url + path)
    await tab.wait_for(visible("login"))
    await tab.type_into("#token", token)
    await tab.eval("document.querySelector('#login-form button').click()")


async def test_charts_and_pending_list_show_the_fixtures_numbers(
    chromium: str,
    base_url: str,
    dashboard_data: Tokens,
) -> None:
    async with open_tab(chromium) as tab:
        await sign_in(tab, base_url, dashboard_data.giavien)
        assert await tab.wait_for(READY) == "1", tab.errors
        assert await tab.eval(text("who")) == "Đã đăng nhập: cán bộ xã, Xã Gia Viễn"
        assert await tab.eval("document.documentElement.lang") == "vi"
        # Newest period first, chosen by default; December has not begun.
        assert await tab.eval(
            "[...document.querySelectorAll('#period option')].map(o => o.text)"
        ) == [
            "Tháng 11/2026",
            "Tháng 10/2026",
        ]
        assert await tab.eval(
            "[...document.querySelectorAll('#unit option')].map(o => o.value)"
        ) == [
            "37-GIAVIEN",
            "37-GIAVIEN-01",
            "37-GIAVIEN-02",
            "37-GIAVIEN-03",
        ]

        assert await tab.eval(BARS) == [
            ["37-GIAVIEN-01", "Thôn Đông", "100\u00a0% (1/1)", 100],
            ["37-GIAVIEN-02", "Thôn Tây", "100\u00a0% (1/1)", 100],
            ["37-GIAVIEN-03", "Thôn Trung", "0\u00a0% (0/1)", 0],
        ]
        assert await tab.eval(text("completeness-total")) == (
            "Đã nhận 2/3 báo cáo của thôn (66,7\u00a0%): 1 đúng hạn, 1 trễ hạn, 1 chưa nộp."
        )
        assert await tab.eval(POINTS) == [
            ["poor", "2026-10", 40, "40\u00a0%"],
            ["poor", "2026-11", 7.3, "7,3\u00a0%"],
            ["near-poor", "2026-10", 20, "20\u00a0%"],
            ["near-poor", "2026-11", 3.6, "3,6\u00a0%"],
        ]
        # The poor line falls from October to November: the point is drawn lower (larger y).
        ys = await tab.eval(
            "[...document.querySelectorAll('#trend-chart g.point.poor circle')].map(c => +c.getAttribute('cy'))"
        )
        assert ys[0] < ys[1]
        assert await tab.eval(text("pending-count")) == "2 hồ sơ đang chờ quyết định"
        items = await tab.eval(PENDING)
        assert len(items) == 2
        assert items[0].startswith("Cận nghèo phát sinh: E (") and "Thôn Đông" in items[0]
        # Neither has been to the hamlet meeting yet: that is what they wait for (QĐ 24/2021).
        assert items[1].startswith("Đăng ký thoát nghèo: B (") and "chờ họp thôn" in items[1]
        assert "chờ họp thôn" in items[0] and "chờ duyệt" not in items[0]
        assert "gửi lúc 10:00 24/11/2026" in items[0]  # 03:00 UTC shown in Hà Nội time
        assert "Tháng 10/2026" in await tab.eval(text("trend-table"))

        # The token is in this tab's sessionStorage only: no cookie, no localStorage, no URL.
        assert await tab.eval("sessionStorage.getItem('chungtay.dashboard.token')") == (
            dashboard_data.giavien
        )
        assert await tab.eval("document.cookie") == ""
        assert await tab.eval("localStorage.length") == 0
        assert dashboard_data.giavien not in await tab.eval("location.href")

        # Another period: October has no hamlet report yet.
        await tab.select("#period", "monthly:2026-10")
        await tab.wait_for(f"{READY} === '1' && location.hash.includes('2026-10')")
        assert [b[2] for b in await tab.eval(BARS)] == ["0\u00a0% (0/1)"] * 3

        # A hamlet: its own bar, trend and pending list; Thôn Tây has nothing pending.
        await tab.select("#unit", "37-GIAVIEN-02")
        await tab.wait_for(f"{READY} === '1' && location.hash.includes('37-GIAVIEN-02')")
        assert await tab.eval(visible("pending-empty"))
        assert await tab.eval(text("pending-empty")) == "Không có hồ sơ nào đang chờ duyệt."
        assert await tab.eval(PENDING) == []

        # A phone-sized screen: nothing wider than the screen, the charts redrawn to fit.
        await tab.width(360)
        await tab.wait_for(
            "+document.querySelector('#completeness-chart svg').getAttribute('width') <= 360"
        )
        assert await tab.eval("document.documentElement.scrollWidth") <= 360
        assert await tab.eval("document.querySelector('label[for=unit]').textContent") == "Đơn vị"

        await tab.eval("document.getElementById('logout').click()")
        await tab.wait_for(visible("login"))
        assert await tab.eval("sessionStorage.length") == 0
        assert await tab.eval("document.getElementById('board').hidden")
        assert tab.errors == []


async def test_bad_token_out_of_scope_no_data_yet_and_revoked(
    chromium: str,
    base_url: str,
    services: Services,
    tokens: Tokens,
) -> None:
    async with open_tab(chromium) as tab:
        await sign_in(tab, base_url, "not-a-token")
        await tab.wait_for(f"{READY} === 'error'")
        assert await tab.eval(text("error")) == (
            "Mã truy cập không hợp lệ hoặc đã hết hạn. "
            "Vui lòng xin quản trị viên cấp mã mới rồi đăng nhập lại."
        )
        assert await tab.eval(visible("login"))
        assert await tab.eval("sessionStorage.length") == 0

        # A valid token before any period exists: every part says there is nothing yet.
        await tab.type_into("#token", tokens.giavien)
        await tab.eval("document.querySelector('#login-form button').click()")
        await tab.wait_for(f"{READY} === '1'")
        assert await tab.eval(visible("error")) is False
        assert (await tab.eval(text("no-periods"))).startswith(
            "Chưa có dữ liệu: chưa có kỳ báo cáo"
        )
        for part in ("completeness-empty", "trend-empty", "pending-empty"):
            assert await tab.eval(visible(part)), part
        assert await tab.eval(text("trend-empty")) == "Chưa có dữ liệu."
        assert await tab.eval("document.querySelectorAll('svg').length") == 0

        # A shared link to another commune: the API refuses (403) and the page says why.
        await tab.eval("location.hash = '#unit=37-KIMSON'")
        await tab.send("Page.reload")
        await tab.wait_for(f"{READY} === 'error'")
        assert await tab.eval(text("error")) == (
            "Mã truy cập này không có quyền xem đơn vị đó. "
            "Vui lòng chọn một đơn vị thuộc địa bàn của bạn."
        )
        assert await tab.eval(visible("board"))  # still signed in: another unit can be chosen

        # The token is revoked while the page is open: the next load signs out and says why.
        async with transaction(services.sessionmaker) as db:
            await db.execute(update(ApiToken).values(revoked=True))
        await tab.select("#unit", "37-GIAVIEN-01")
        await tab.wait_for(visible("login"))
        assert (await tab.eval(text("error"))).startswith("Mã truy cập không hợp lệ")
        assert await tab.eval("sessionStorage.length") == 0
        assert await tab.eval("document.querySelectorAll('#unit option').length") == 0
        assert tab.errors == []


async def test_page_is_rendered_from_the_catalog_with_a_strict_policy(
    services: Services,
) -> None:
    app = create_app(services, own_services=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        r = await client.get("/dashboard")
        assert r.status_code == 200
        assert '<label for="token">Mã truy cập</label>' in r.text
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"
        labels: dict[str, Any] = _labels(r.text)
        assert labels["kinds"]["exit_registration"] == "Đăng ký thoát nghèo"
        english = await client.get("/dashboard", params={"lang": "en"})
        assert '<label for="token">Access token</label>' in english.text
        js = await client.get("/dashboard/dashboard.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert (await client.get("/dashboard/secrets.txt")).status_code == 404


def _labels(html: str) -> dict[str, Any]:
    start = html.index('<script id="labels" type="application/json">') + len(
        '<script id="labels" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


# Every pair of text boxes in the trend chart that overlap: point labels, axis labels.
OVERLAPS = """(() => {
  const boxes = [...document.querySelectorAll('#trend-chart svg text')].map(t => {
    const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.top, r.right, r.bottom]; });
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, al, at, ar, ab] = boxes[i], [b, bl, bt, br, bb] = boxes[j];
    if (al < br && bl < ar && at < bb && bt < ab) out.push([a, b]);
  }
  return out; })()"""


def fits(container: str) -> str:
    """The table in `container` shows every column without scrolling sideways."""
    return (
        f"(() => {{ const t = document.querySelector('{container} table');"
        " return [t.scrollWidth, t.clientWidth]; })()"
    )


async def test_on_a_laptop_labels_do_not_overlap_and_tables_show_every_column(
    chromium: str, base_url: str, dashboard_data: Tokens
) -> None:
    async with open_tab(chromium) as tab:
        await tab.width(1280, 1000)
        await sign_in(tab, base_url, dashboard_data.giavien)
        assert await tab.wait_for(READY) == "1", tab.errors
        # November's near-poor rate (3,6 %) sits just above the axis, under "11/2026".
        assert await tab.eval(OVERLAPS) == []
        await tab.eval("document.querySelectorAll('details').forEach(d => d.open = true)")
        for table in ("#completeness-table", "#trend-table"):
            scroll, client = await tab.eval(fits(table))
            assert scroll <= client, (table, scroll, client)
        await tab.snap("dashboard-1280")
        # The province: more rows, the same rules.
        await tab.eval("document.getElementById('logout').click()")
        await sign_in(tab, base_url, dashboard_data.province)
        await tab.wait_for(f"{READY} === '1'")
        assert await tab.eval(OVERLAPS) == []
        await tab.eval("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll, client = await tab.eval(fits("#completeness-table"))
        assert scroll <= client
        assert tab.errors == []


async def test_a_trend_of_one_period_draws_columns_and_says_why(
    chromium: str, base_url: str, fixture_data: Tokens
) -> None:
    async with open_tab(chromium) as tab:
        await tab.width(1280, 800)
        await sign_in(tab, base_url, fixture_data.giavien)
        assert await tab.wait_for(READY) == "1", tab.errors
        assert await tab.eval(POINTS) == [
            ["poor", "2026-11", 7.3, "7,3\u00a0%"],
            ["near-poor", "2026-11", 3.6, "3,6\u00a0%"],
        ]
        # Two columns from the axis up, the poor one about twice as tall as the near-poor one.
        heights = await tab.eval(
            "[...document.querySelectorAll('#trend-chart rect.column')].map(r => +r.getAttribute('height'))"
        )
        assert len(heights) == 2 and 1.8 < heights[0] / heights[1] < 2.2, heights
        assert await tab.eval(visible("trend-note"))
        assert await tab.eval(text("trend-note")) == (
            "Mới có một kỳ báo cáo: đường xu hướng sẽ hiện ra từ kỳ thứ hai."
        )
        assert await tab.eval(OVERLAPS) == []
        await tab.snap("dashboard-one-period")
        assert tab.errors == []


async def test_a_year_of_demo_data_reads_without_crowded_labels(
    chromium: str, base_url: str, services: Services
) -> None:
    """`make run`'s data: twelve periods, the demo banner, and labels that keep apart."""
    async with transaction(services.sessionmaker) as db:
        await seed_demo(db, secret_key=SECRET, now=services.clock())
    token = await make_token(services, "officer", "37-GIAVIEN")
    async with open_tab(chromium) as tab:
        await tab.width(1280, 1000)
        await sign_in(tab, base_url, token)
        assert await tab.wait_for(READY) == "1", tab.errors
        assert await tab.eval(visible("demo"))
        assert (await tab.eval(text("demo"))).startswith("Dữ liệu mẫu:")
        assert await tab.eval("document.querySelectorAll('#trend-chart g.point').length") == 24
        assert await tab.eval(OVERLAPS) == []
        # The newest period is always labelled, on both lines.
        newest = await tab.eval(
            "[...document.querySelectorAll('#trend-chart g.point')].filter(g => g.dataset.period"
            " === '2026-11').map(g => g.querySelector('text') && g.querySelector('text').textContent)"
        )
        assert len(newest) == 2 and all(newest), newest
        await tab.snap("dashboard-demo")
        assert tab.errors == []


async def test_the_rounds_documents_download_with_the_token(
    chromium: str, base_url: str, services: Services, tokens: Tokens
) -> None:
    """Each round lists its documents; a button fetches the file with the bearer token (a plain
    link could not carry it) and hands it to the browser as a download."""
    await build_round(services)
    async with open_tab(chromium) as tab:
        await sign_in(tab, base_url, tokens.giavien)
        assert await tab.wait_for(READY) == "1", tab.errors
        assert await tab.eval(
            "[...document.querySelectorAll('#documents-list .round')].map(e => e.textContent)"
        ) == [
            "Rà soát định kỳ năm 2026, Xã Gia Viễn · đã có Quyết định số 125/QĐ-UBND ngày 24/11/2026"
        ]
        assert await tab.eval(
            "[...document.querySelectorAll('#documents-list button')].map(b => b.textContent)"
        ) == [
            "Quyết định (Word)",
            "Danh sách niêm yết (Word)",
            "Danh sách niêm yết (Excel)",
            "Giấy chứng nhận (Word)",
            "Biểu tổng hợp (Excel)",
            "Biên bản họp Thôn Đông ngày 16/11/2026",
        ]
        await tab.eval(
            "window.__saved = []; HTMLAnchorElement.prototype.click = function () {"
            " window.__saved.push([this.download, this.href.slice(0, 5)]); }"
        )
        await tab.eval(
            "document.querySelector('#documents-list button[data-kind=decision]').click()"
        )
        saved = await tab.wait_for("window.__saved.length && window.__saved")
        assert saved == [["Quyết định Xã Gia Viễn 2026.docx", "blob:"]]
        assert await tab.eval(visible("error")) is False
        assert tab.errors == []
