"""Headless Chromium driven over the DevTools protocol, and the real app served by uvicorn.

No browser download and no driver binary: the Debian `chromium` package and a websocket. Without
Chromium the tests skip, unless CHUNGTAY_TEST_REQUIRE_CHROMIUM=1 (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets
from fastapi import FastAPI

CHROMIUM = os.environ.get("CHUNGTAY_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("CHUNGTAY_TEST_REQUIRE_CHROMIUM") == "1"
START_TIMEOUT = 20.0
# A directory to keep screenshots of the pages the tests open (unset: none are taken).
SCREENSHOTS = os.environ.get("CHUNGTAY_TEST_SCREENSHOTS")


def chromium_path() -> str:
    found = shutil.which(CHROMIUM)
    if found is None:
        reason = f"headless browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if REQUIRED:
            pytest.fail(f"CHUNGTAY_TEST_REQUIRE_CHROMIUM=1 but {reason}")
        pytest.skip(reason)
    return found


@contextmanager
def launch(profile: Path) -> Iterator[str]:
    """A headless Chromium; its browser-level DevTools websocket address."""
    exe = chromium_path()
    args = [
        exe,
        "--headless=new",
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-gpu",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1100,900",
        "about:blank",
    ]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
    log = (profile / "chromium.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield _devtools_address(proc, profile / "DevToolsActivePort", profile / "chromium.log")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _devtools_address(proc: subprocess.Popen[bytes], port_file: Path, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"Chromium exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
            )
        if port_file.exists():
            lines = port_file.read_text().split()
            if len(lines) == 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    pytest.fail(f"Chromium did not open its DevTools port:\n{log.read_text(errors='replace')}")


class BrowserError(AssertionError):
    pass


class Tab:
    """One page target over the browser's websocket (flattened session)."""

    def __init__(self, ws: Any, session_id: str) -> None:
        self.ws, self.session_id = ws, session_id
        self.errors: list[str] = []  # uncaught exceptions and console errors in the page

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await _call(self.ws, method, params, self.session_id)

    async def eval(self, expression: str) -> Any:
        out = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in out:
            raise BrowserError(f"{expression!r} threw: {out['exceptionDetails']}")
        return out["result"].get("value")

    async def wait_for(self, expression: str, within: float = 10.0) -> Any:
        """The expression's value once truthy; fails with the page's errors after `within` s."""
        deadline = time.monotonic() + within
        last: Exception | None = None
        while True:
            try:
                value = await self.eval(expression)
            except BrowserError as exc:  # e.g. a page still loading has no body yet
                value, last = None, exc
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(
                    f"timed out waiting for {expression!r}; last error: {last}; "
                    f"page errors: {self.errors}"
                )
            await asyncio.sleep(0.05)

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def type_into(self, selector: str, text: str) -> None:
        await self.eval(f"document.querySelector({json.dumps(selector)}).focus()")
        await self.send("Input.insertText", text=text)

    async def select(self, selector: str, value: str) -> None:
        """Choose an option the way a user does: the change event fires."""
        await self.eval(
            f"(() => {{ const s = document.querySelector({json.dumps(selector)});"
            f" s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()"
        )

    async def screenshot(self) -> bytes:
        """A PNG of the viewport, to look at what a person sees."""
        shot = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])

    async def snap(self, name: str) -> None:
        """Keep a screenshot as NAME.png in CHUNGTAY_TEST_SCREENSHOTS, when it is set."""
        if SCREENSHOTS:
            _keep(Path(SCREENSHOTS) / f"{name}.png", await self.screenshot())

    async def width(self, pixels: int, height: int = 800) -> None:
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=pixels,
            height=height,
            deviceScaleFactor=1,
            mobile=pixels < 600,
        )


def _keep(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


_ids = itertools.count(1)
_waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}


async def _call(ws: Any, method: str, params: dict[str, Any], session_id: str | None) -> Any:
    msg_id = next(_ids)
    message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
    if session_id:
        message["sessionId"] = session_id
    future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    _waiting[msg_id] = future
    await ws.send(json.dumps(message))
    reply = await asyncio.wait_for(future, timeout=15)
    if "error" in reply:
        raise BrowserError(f"{method}: {reply['error']}")
    return reply.get("result", {})


async def _read(ws: Any, tabs: dict[str, Tab]) -> None:
    async for raw in ws:
        msg = json.loads(raw)
        if "id" in msg:
            future = _waiting.pop(msg["id"], None)
            if future is not None and not future.done():
                future.set_result(msg)
            continue
        tab = tabs.get(msg.get("sessionId", ""))
        if tab is None:
            continue
        if msg.get("method") == "Runtime.exceptionThrown":
            tab.errors.append(json.dumps(msg["params"]["exceptionDetails"])[:500])
        elif msg.get("method") == "Runtime.consoleAPICalled" and msg["params"]["type"] == "error":
            tab.errors.append(json.dumps(msg["params"]["args"])[:500])


@asynccontextmanager
async def open_tab(browser_ws: str) -> AsyncIterator[Tab]:
    """A fresh tab (its own sessionStorage) for the length of the block."""
    async with websockets.connect(browser_ws, max_size=None) as ws:
        tabs: dict[str, Tab] = {}
        reader = asyncio.create_task(_read(ws, tabs))
        try:
            target = (await _call(ws, "Target.createTarget", {"url": "about:blank"}, None))[
                "targetId"
            ]
            session = (
                await _call(
                    ws, "Target.attachToTarget", {"targetId": target, "flatten": True}, None
                )
            )["sessionId"]
            tab = tabs[session] = Tab(ws, session)
            await tab.send("Page.enable")
            await tab.send("Runtime.enable")
            try:
                yield tab
            finally:
                await _call(ws, "Target.closeTarget", {"targetId": target}, None)
        finally:
            reader.cancel()


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """The app on a free local port under uvicorn (lifespan included); its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if task.done():
            task.result()  # raises the start-up error
            raise RuntimeError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
