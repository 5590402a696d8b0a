"""The web chat simulator in headless Chromium, as a newcomer meets it: on a phone, through a
checklist, and switching between chat IDs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from api.app import create_app
from bot.channels.simulator import SimulatorChannel
from bot.services import Services
from conversations.model import Attachment, Outbound
from tests.api.browser import Tab, launch, open_tab, serve
from tests.support import make_invite, seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
IDLE = "document.body.dataset.pending === '0'"
BUBBLES = "document.querySelectorAll('#log .msg').length"
TEXTS = "[...document.querySelectorAll('#log .msg')].map(m => m.firstChild ? m.textContent : '')"


@dataclass
class Page:
    url: str
    app: FastAPI

    @property
    def simulator(self) -> SimulatorChannel:
        return self.app.state.simulator


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with launch(tmp_path_factory.mktemp("chromium")) as address:
        yield address


@pytest.fixture
async def page(services: Services) -> AsyncIterator[Page]:
    await seed_units(services)
    app = create_app(services, own_services=False)
    async with serve(app) as url:
        yield Page(url, app)


async def phone(tab: Tab) -> None:
    await tab.send(
        "Emulation.setDeviceMetricsOverride",
        width=390,
        height=844,
        deviceScaleFactor=1,
        mobile=True,
    )


async def say(tab: Tab, text: str) -> None:
    """Type into the message box and press Gửi; wait for the reply."""
    before = await tab.eval(BUBBLES)
    await tab.type_into("#text", text)
    await tab.eval("document.querySelector('#send button').click()")
    await tab.wait_for(f"{IDLE} && {BUBBLES} > {before}")


async def tap(tab: Tab, label: str) -> None:
    """Press the button with this label in the newest message that has one; wait for the reply."""
    found = await tab.eval(
        f"""(() => {{ const b = [...document.querySelectorAll('#log .choices button:not(:disabled)')]
          .reverse().find(b => b.textContent.replace(/^✓ /, '') === {json.dumps(label)});
          if (!b) return false; b.click(); return true; }})()"""
    )
    assert found, f"no button {label!r}: {await tab.eval(TEXTS)}"
    await tab.wait_for(IDLE)


async def test_on_a_phone_the_header_is_one_line_and_the_message_box_fits(
    chromium: str, page: Page
) -> None:
    # References at every position of the line: in one of them the old page cut "TN-" from
    # "KUZ6FK" at the end of a line.
    for n in range(0, 40, 3):
        await page.simulator.send(
            "demo-1", Outbound("Đã gửi đăng ký" + "." * n + " Mã tham chiếu: TN-KUZ6FK, xong.")
        )
    async with open_tab(chromium) as tab:
        await phone(tab)
        await tab.goto(page.url + "/simulator")
        await tab.wait_for(f"{BUBBLES} >= 14")
        assert await tab.eval("document.documentElement.scrollWidth") <= 390
        # The header: every part on the same line, the header a single line high.
        tops = await tab.eval(
            "[...document.querySelectorAll('header > *')].map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert max(tops) - min(tops) <= 8, tops
        assert (
            await tab.eval("document.querySelector('header').getBoundingClientRect().height") < 56
        )
        # The message box and "Gửi" entirely on screen, even with a long chat above.
        for selector in ("#text", "#send button"):
            box = await tab.eval(
                f"(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect();"
                " return [r.left, r.top, r.right, r.bottom]; })()"
            )
            assert box[0] >= 0 and box[2] <= 390 and box[1] >= 0 and box[3] <= 844, (selector, box)
        # Each "TN-KUZ6FK" sits on one line: its text's boxes all have the same top.
        lines = await tab.eval(
            """[...document.querySelectorAll('#log .msg')].map(m => {
              const walk = document.createTreeWalker(m, NodeFilter.SHOW_TEXT);
              for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                const at = n.data.indexOf('TN-KUZ6FK');
                if (at < 0) continue;
                const r = document.createRange(); r.setStart(n, at); r.setEnd(n, at + 9);
                return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size;
              }
              return 0; })"""
        )
        assert lines == [1] * 14, lines
        await tab.snap("simulator-phone")
        assert tab.errors == []


async def test_a_checklist_tap_ticks_the_item_in_place_with_a_visible_style(
    chromium: str, page: Page, services: Services
) -> None:
    code = await make_invite(services, "hamlet_head", "37-KIMSON-01", "Đỗ Văn Giang")
    async with open_tab(chromium) as tab:
        await phone(tab)
        await tab.goto(page.url + "/simulator")
        await say(tab, f"/start {code}")
        await tap(tab, "Có")
        await say(tab, "/baocao")
        await tap(tab, "Nghèo phát sinh")
        await tap(tab, "Hộ mới")
        await say(tab, "Hoàng Thị Nở")
        await say(tab, "5")
        await tap(tab, "Có")
        await say(tab, "3,5 triệu")
        count = await tab.eval(BUBBLES)
        last = "document.querySelector('#log .msg:last-child')"
        assert "Đánh dấu các chỉ số" in await tab.eval(f"{last}.textContent")
        item = f"{last}.querySelector('button[data-id^=\"employment~\"]')"
        assert await tab.eval(f"{item}.getAttribute('aria-pressed')") is None
        plain = await tab.eval(f"getComputedStyle({item}).backgroundColor")

        await tap(tab, "Việc làm")
        # No new bubble, no "Việc làm" echoed: the same message now shows the item ticked.
        assert await tab.eval(BUBBLES) == count
        assert await tab.eval(f"{item}.getAttribute('aria-pressed')") == "true"
        assert await tab.eval(f"{item}.textContent") == "Việc làm"  # no "✅" needing an emoji font
        assert await tab.eval(f"getComputedStyle({item}, '::before').content") == '"✓ "'
        assert await tab.eval(f"getComputedStyle({item}).backgroundColor") != plain
        assert await tab.eval(f"getComputedStyle({item}).fontWeight") == "600"
        await tab.snap("simulator-checklist")

        await tap(tab, "Việc làm")  # again: unticked, still in place
        assert await tab.eval(BUBBLES) == count
        assert await tab.eval(f"{item}.getAttribute('aria-pressed')") is None
        await tap(tab, "Nguồn nước sinh hoạt")
        await tap(tab, "Xong")  # the next question: a new message, the checklist answered
        assert await tab.eval(BUBBLES) == count + 2
        assert "Nguyên nhân nghèo" in await tab.eval(f"{last}.textContent")
        assert tab.errors == []


async def test_changing_the_chat_id_shows_that_chats_own_history(chromium: str, page: Page) -> None:
    async with open_tab(chromium) as tab:
        await tab.goto(page.url + "/simulator")
        await say(tab, "xin chào từ máy một")
        first = await tab.eval(TEXTS)
        assert first[0] == "xin chào từ máy một" and len(first) >= 2

        # A notice for chat demo-2 arrives while demo-1 is on screen: it waits for demo-2.
        await page.simulator.send("demo-2", Outbound("Thông báo cho máy hai"))
        await tab.eval(
            "(() => { const c = document.getElementById('chat'); c.value = 'demo-2';"
            " c.dispatchEvent(new Event('change')); })()"
        )
        assert await tab.wait_for(f"{BUBBLES} === 1 && {TEXTS}[0] === 'Thông báo cho máy hai'")
        await say(tab, "máy hai đây")
        second = await tab.eval(TEXTS)
        assert "xin chào từ máy một" not in second

        await tab.eval(
            "(() => { const c = document.getElementById('chat'); c.value = 'demo-1';"
            " c.dispatchEvent(new Event('change')); })()"
        )
        assert await tab.eval(TEXTS) == first
        # A reload keeps each chat's history (this tab only).
        await tab.send("Page.reload")
        await tab.wait_for(f"{BUBBLES} === {len(first)}")
        assert await tab.eval(TEXTS) == first
        assert tab.errors == []


async def test_a_document_shows_as_a_download_link(chromium: str, page: Page) -> None:
    """The simulator has no files: a document comes as a link under its message (a signed
    download, like Zalo's)."""
    attachment = Attachment("decision", "docx", (("round", 1),), "Dự thảo quyết định")
    await page.simulator.send("demo-1", Outbound("Văn bản đây.", (), attachment))
    async with open_tab(chromium) as tab:
        await tab.goto(page.url + "/simulator")
        await tab.wait_for("document.querySelector('#log a.doc') !== null")
        link = await tab.eval(
            "(() => { const a = document.querySelector('#log a.doc');"
            " return [a.textContent, a.getAttribute('href')]; })()"
        )
        assert link[0] == "📎 Dự thảo quyết định"
        assert link[1].startswith("/api/v1/documents/download/")
