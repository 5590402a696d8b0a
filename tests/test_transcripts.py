"""Replays every tests/transcripts/*.txt through the simulator's HTTP API."""

from __future__ import annotations

import re
import shlex
import unicodedata
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from bot.services import build_services
from storage.db import transaction
from storage.meetings import close_meeting, start_meeting, vote
from storage.models import AuditLog
from storage.models_register import Submission
from storage.orgtree import unit_by_code
from storage.review_queue import by_ref
from storage.rounds import current_round, set_standard
from tests.support import (
    assess_household,
    close_services,
    make_household,
    make_invite,
    seed_units,
)
from tests.transcript import DIRECTORY, Transcript, describe, expand, labels, nfc, parse_invite

FILES = sorted(DIRECTORY.glob("*.txt"))


class Runner:
    def __init__(self, settings: Any, clock: Any) -> None:
        self.settings, self.clock = settings, clock
        self.services = build_services(settings, clock=clock)
        self.client = self._client()
        self.chat = "chat-1"
        self.last: list[dict[str, Any]] = []
        self.last_body: dict[str, Any] | None = None
        self.vars: dict[str, str] = {}
        self.sent = 0  # user messages and taps since "! count"
        # per chat: every button label shown so far -> its choice id
        self.seen: dict[str, dict[str, str]] = {}
        self.zalo: set[str] = set()  # chats that speak as Zalo (numbered replies)

    def _client(self) -> httpx.AsyncClient:
        app = create_app(self.services, own_services=False)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")

    async def restart(self) -> None:
        await self.close()
        self.services = build_services(self.settings, clock=self.clock)
        self.client = self._client()

    async def close(self) -> None:
        await self.client.aclose()
        await close_services(self.services)

    def shown(self, messages: list[dict[str, Any]]) -> None:
        seen = self.seen.setdefault(self.chat, {})
        seen.update({nfc(c["label"]): c["id"] for m in messages for c in m["choices"]})

    async def send(self, body: dict[str, Any]) -> None:
        body["numbered"] = self.chat in self.zalo
        self.last_body = body
        res = await self.client.post("/simulator/api/messages", json=body)
        assert res.status_code == 200, res.text
        data = res.json()
        self.last = data["replies"] + data["pushed"]
        self.shown(self.last)


async def run(transcript: Transcript, settings: Any, clock: Any) -> None:
    r = Runner(settings, clock)
    await seed_units(r.services)
    expected_from = 0  # where in the reply text the next "<" must be found
    try:
        for line in transcript.lines:
            where = f"{transcript.path.name}:{line.number}"
            if line.kind == "@" and line.body.startswith("household "):
                var, hamlet, head, members, *status = shlex.split(line.body)[1:]
                r.vars[var] = await make_household(
                    r.services, hamlet, head, int(members), status[0] if status else "unknown"
                )
            elif line.kind == "@" and line.body.startswith("assessed "):
                # "@assessed mai nd07-2021 water latrine cause:no_capital": an approved
                # assessment of a household set up by @household, and its causes.
                var, standard_id, *codes = shlex.split(line.body)[1:]
                causes = [c.removeprefix("cause:") for c in codes if c.startswith("cause:")]
                deprived = [c for c in codes if not c.startswith("cause:")]
                await assess_household(r.services, r.vars[var], standard_id, deprived, causes)
            elif line.kind == "@" and line.body.startswith("round "):
                # The commune's current round classifies under this standard (the officer's
                # choice per round; by default the annual round of 2026 uses NĐ 351/2025).
                unit, standard_id = shlex.split(line.body)[1:]
                async with transaction(r.services.sessionmaker) as db:
                    commune = await unit_by_code(db, unit)
                    assert commune is not None, f"{where}: no unit {unit}"
                    rnd = await current_round(db, commune_id=commune.id, now=clock())  # type: ignore[arg-type]
                    await set_standard(db, rnd=rnd, standard_id=standard_id, actor="test")
            elif line.kind == "@" and line.body.startswith("login "):
                role, unit, person = shlex.split(line.body)[1:]
                code = await make_invite(r.services, role, unit, person)
                await r.send({"chat_id": r.chat, "text": f"/start {code}"})
                await r.send({"chat_id": r.chat, "choice": "yes"})
                assert "Xin chào" in r.last[0]["text"], f"{where}: login failed: {describe(r.last)}"
            elif line.kind == "@":
                name, role, unit, person, expired = parse_invite(line.body)
                r.vars[name] = await make_invite(
                    r.services, role, unit, person, days=-1 if expired else 7
                )
            elif line.kind == "!":
                cmd, _, arg = line.body.partition(" ")
                if cmd == "chat":
                    r.chat = arg
                elif cmd == "zalo":
                    r.zalo.add(r.chat)
                elif cmd == "wait":
                    m = re.fullmatch(r"(\d+)([hm])", arg)
                    assert m, f"{where}: wait takes e.g. 73h or 30m"
                    unit = "hours" if m.group(2) == "h" else "minutes"
                    clock.advance(**{unit: int(m.group(1))})
                elif cmd == "count":
                    r.sent = 0
                elif cmd == "at" and arg.startswith("most "):
                    limit = int(arg.split()[1])
                    assert r.sent <= limit, f"{where}: {r.sent} messages/taps, more than {limit}"
                elif cmd == "submissions":
                    async with r.services.sessionmaker() as db:
                        n = (
                            await db.execute(select(func.count()).select_from(Submission))
                        ).scalar_one()
                    assert n == int(arg), f"{where}: {n} submissions stored, expected {arg}"
                elif cmd == "audited":
                    async with r.services.sessionmaker() as db:
                        stmt = (
                            select(func.count()).select_from(AuditLog).where(AuditLog.action == arg)
                        )
                        n = (await db.execute(stmt)).scalar_one()
                    assert n, f"{where}: nothing audited as {arg}"
                elif cmd == "inbox":
                    # What was pushed to this chat without it asking (decisions, reminders).
                    await r.services.sender.drain()
                    numbered = "true" if r.chat in r.zalo else "false"
                    res = await r.client.get(
                        f"/simulator/api/inbox/{r.chat}", params={"numbered": numbered}
                    )
                    r.last = res.json()
                    r.shown(r.last)
                    expected_from = 0
                elif cmd == "meeting":
                    # The hamlet meeting votes on a submission: "! meeting {ref} 7/10".
                    ref, votes = expand(arg, r.vars).split()
                    votes_for, present = (int(x) for x in votes.split("/"))
                    async with transaction(r.services.sessionmaker) as db:
                        sub = await by_ref(db, ref)
                        assert sub is not None, f"{where}: no submission {ref}"
                        meeting = await start_meeting(
                            db,
                            hamlet_id=sub.hamlet_id,
                            round_id=None,
                            held_on=clock().date(),
                            present=present,
                            chair_id=None,
                            actor="test",
                        )
                        await vote(
                            db,
                            meeting=meeting,
                            submission=sub,
                            votes_for=votes_for,
                            now=clock(),
                            actor="test",
                        )
                        await close_meeting(db, meeting=meeting, now=clock(), actor="test")
                elif cmd == "document":
                    # The last reply carries a file with this title; it downloads as a document.
                    docs = [m["document"] for m in r.last if m.get("document")]
                    assert any(arg in d["title"] for d in docs), f"{where}: no document {arg}"
                    url = next(d["url"] for d in docs if arg in d["title"])
                    res = await r.client.get(url)
                    assert res.status_code == 200 and res.content[:2] == b"PK", f"{where}: {url}"
                elif cmd == "restart":
                    await r.restart()
                elif cmd == "resend":
                    assert r.last_body is not None
                    await r.send(r.last_body)
                elif cmd == "capture":
                    # Remember a part of the last reply, e.g. a reference number, as {NAME}.
                    name, _, pattern = arg.partition(" ")
                    got = nfc("\n".join(m["text"] for m in r.last))
                    m = re.search(pattern, got)
                    assert m, f"{where}: /{pattern}/ not in the last reply:\n{describe(r.last)}"
                    r.vars[name] = m.group(1) if m.groups() else m.group(0)
                else:
                    raise AssertionError(f"{where}: unknown directive {cmd}")
            elif line.kind == ">":
                body: dict[str, Any] = {"chat_id": r.chat, "update_id": uuid.uuid4().hex}
                # Button labels may name a captured value, e.g. [{ref} · Nghèo phát sinh · …].
                pressed = labels(expand(line.body, r.vars)) if line.body.startswith("[") else []
                if line.body.startswith("[["):
                    # An old button pressed again (a double tap, or an earlier message).
                    label = nfc(expand(line.body.strip("[]"), r.vars))
                    seen = r.seen.get(r.chat, {})
                    assert label in seen, f"{where}: no button [{label}] was ever shown here"
                    body["choice"] = seen[label]
                elif pressed:
                    offered = {nfc(c["label"]): c["id"] for m in r.last for c in m["choices"]}
                    assert pressed[0] in offered, (
                        f"{where}: no button [{pressed[0]}] in the last reply:\n{describe(r.last)}"
                    )
                    body["choice"] = offered[pressed[0]]
                elif line.body.startswith("nfd:"):
                    # Typed on a keyboard that sends decomposed Vietnamese.
                    body["text"] = unicodedata.normalize(
                        "NFD", expand(line.body[4:].strip(), r.vars)
                    )
                elif line.body == "(sticker)":
                    body["unreadable"] = True
                elif line.body.startswith("repeat:"):
                    count, _, chunk = line.body[7:].strip().partition(" ")
                    body["text"] = chunk * int(count)
                else:
                    body["text"] = expand(line.body, r.vars)
                await r.send(body)
                r.sent += 1
                expected_from = 0
            elif line.kind == "<":
                got = nfc("\n".join(m["text"] for m in r.last))
                if line.body == "-":
                    assert not r.last, f"{where}: expected no reply, got:\n{describe(r.last)}"
                    continue
                want = nfc(expand(line.body, r.vars))
                pos = got.find(want, expected_from)
                assert pos >= 0, (
                    f"{where}: expected the reply to contain\n  {want}\ngot:\n{describe(r.last)}"
                )
                expected_from = pos + len(want)
            elif line.kind == "[":
                assert r.last, f"{where}: expected buttons, got no reply"
                got_labels = [nfc(c["label"]) for c in r.last[-1]["choices"]]
                want_labels = labels(expand(line.body, r.vars))
                assert got_labels == want_labels, (
                    f"{where}: expected buttons {want_labels}, got {got_labels}"
                )
    finally:
        await r.close()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_transcript(path: Any, settings: Any, clock: Any) -> None:
    await run(Transcript.load(path), settings, clock)


def test_transcripts_exist() -> None:
    assert len(FILES) >= 5
