"""Endpoints of the web chat simulator; they double as the test driver for transcripts."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from bot.channels.render import numbered
from bot.channels.simulator import CHANNEL, SimulatorChannel, render, stored
from conversations.model import Outbound
from domain.i18n import Translator
from handlers.inbound import BUSY, Conversations, InboundMessage
from storage.accounts import chat_locale
from storage.db import unavailable

PAGE = Path(__file__).resolve().parent / "static" / "simulator.html"
router = APIRouter(prefix="/simulator", tags=["simulator"])


class SimMessage(BaseModel):
    chat_id: str = Field(min_length=1, max_length=64)
    user_id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, max_length=20_000)
    choice: str | None = Field(default=None, max_length=64)
    update_id: str | None = Field(default=None, max_length=128)
    numbered: bool = Field(
        default=False,
        description="Speak as Zalo: choices come back as numbered lines to answer by typing",
    )
    unreadable: bool = Field(default=False, description="A photo, sticker or voice note")


class SimReplies(BaseModel):
    duplicate: bool
    replies: list[dict[str, Any]]
    pushed: list[dict[str, Any]]


def get_conversations(request: Request) -> Conversations:
    return request.app.state.services.conversations


def get_simulator(request: Request) -> SimulatorChannel:
    return request.app.state.simulator


ConversationsDep = Annotated[Conversations, Depends(get_conversations)]
SimulatorDep = Annotated[SimulatorChannel, Depends(get_simulator)]


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@router.post(
    "/api/messages",
    response_model=SimReplies,
    responses={503: {"description": "database unavailable; the reply says to try again"}},
)
async def post_message(
    body: SimMessage, conv: ConversationsDep, sim: SimulatorDep
) -> SimReplies | JSONResponse:
    try:
        replies = await conv.handle(
            InboundMessage(
                channel=CHANNEL,
                chat_id=body.chat_id,
                user_id=body.user_id or body.chat_id,
                text=body.text,
                choice=body.choice,
                update_id=body.update_id or uuid.uuid4().hex,
                display_name=body.name,
                numbered=body.numbered,
                unreadable=body.unreadable,
            )
        )
    except Exception as exc:
        if not unavailable(exc):
            raise
        busy = render(Outbound(Translator(conv.default_locale)(BUSY)))
        return JSONResponse({"error": "busy", "replies": [busy]}, status_code=503)
    shown = [sim.render(m) for m in replies or []] + sim.drain(body.chat_id)
    if body.numbered:
        shown = await _as_zalo(conv, body.chat_id, shown)
    n = len(replies or [])
    return SimReplies(duplicate=replies is None, replies=shown[:n], pushed=shown[n:])


@router.get("/api/inbox/{chat_id}")
async def inbox(
    chat_id: str, conv: ConversationsDep, sim: SimulatorDep, numbered: bool = False
) -> list[dict[str, Any]]:
    shown = sim.drain(chat_id)
    return await _as_zalo(conv, chat_id, shown) if numbered else shown


async def _as_zalo(
    conv: Conversations, chat_id: str, shown: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What Zalo shows: no buttons, the choices as numbered lines in the chat's language."""
    if not any(m["choices"] for m in shown):
        return shown
    async with conv.sessionmaker() as db:
        locale = await chat_locale(db, channel=CHANNEL, chat_id=chat_id)
    t = Translator(locale or conv.default_locale)
    return [render(Outbound(numbered(stored(m), t))) for m in shown]
