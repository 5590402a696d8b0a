"""Which channels a process runs (from Settings) and starting/stopping their polling or webhooks."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Protocol, runtime_checkable

from pydantic import SecretStr

from bot.channels.base import Channel, Files
from bot.channels.relay import Relay
from bot.channels.simulator import SimulatorChannel
from bot.settings import Settings

log = logging.getLogger(__name__)


@runtime_checkable
class LiveChannel(Channel, Protocol):
    """A channel with a connection of its own: polling, or a webhook registered at start."""

    webhook: bool

    async def start(self, relay: Relay) -> None: ...

    async def stop(self) -> None: ...


def _secret(value: SecretStr | None, url: str | None) -> str:
    """The configured webhook secret; without one (dev only, see Settings) a fresh random one."""
    configured = value.get_secret_value() if value else ""
    return configured or (secrets.token_urlsafe(32) if url else "")


def build_channels(settings: Settings, *, files: Files | None = None) -> dict[str, Channel]:
    """The simulator always; Telegram and Zalo when their token is set. `files` makes the
    documents messages carry (a file on Telegram, a link elsewhere)."""
    channels: dict[str, Channel] = {"simulator": SimulatorChannel(files=files)}
    # Imported only when configured: aiogram alone takes seconds to import.
    if settings.telegram_token and settings.telegram_token.get_secret_value():
        from bot.channels.telegram import TelegramChannel, TelegramConfig

        channels["telegram"] = TelegramChannel(
            TelegramConfig(
                token=settings.telegram_token.get_secret_value(),
                api_base=settings.telegram_api_base,
                webhook_url=settings.telegram_webhook_url or None,
                webhook_secret=_secret(
                    settings.telegram_webhook_secret, settings.telegram_webhook_url
                ),
                poll_timeout=settings.telegram_poll_timeout,
                locale=settings.default_locale,
            ),
            files=files,
        )
    if settings.zalo_token and settings.zalo_token.get_secret_value():
        from bot.channels.zalo import ZaloChannel, ZaloConfig

        channels["zalo"] = ZaloChannel(
            ZaloConfig(
                token=settings.zalo_token.get_secret_value(),
                api_base=settings.zalo_api_base,
                webhook_url=settings.zalo_webhook_url or None,
                webhook_secret=_secret(settings.zalo_webhook_secret, settings.zalo_webhook_url),
                poll_timeout=settings.zalo_poll_timeout,
            ),
            files=files,
        )
    return channels


def live(channels: Mapping[str, Channel]) -> list[LiveChannel]:
    """The channels with connections of their own to start and stop (not the simulator)."""
    return [c for c in channels.values() if isinstance(c, LiveChannel)]


@asynccontextmanager
async def running(channels: Mapping[str, Channel], relay: Relay) -> AsyncIterator[None]:
    """Start polling loops / register webhooks; on exit cancel the loops and close connections."""
    started: list[LiveChannel] = []
    try:
        for channel in live(channels):
            await channel.start(relay)
            started.append(channel)
            log.info(
                "%s channel started (%s)", channel.name, "webhook" if channel.webhook else "polling"
            )
        yield
    finally:
        for channel in reversed(started):
            await channel.stop()


async def close(channels: Mapping[str, Channel]) -> None:
    """Close the channels' HTTP connections (safe when they were never started)."""
    for channel in live(channels):
        await channel.stop()
