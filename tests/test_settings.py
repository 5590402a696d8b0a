"""Settings refuse what would be unsafe where the server is reached from outside."""

from __future__ import annotations

import pytest

from bot.settings import Settings

PG = "postgresql+asyncpg://db/chungtay"
REAL = "k3Yv1X0mO9pQ2rS7tU4wZ8aB6cD5eF1gH"  # 34 characters


@pytest.mark.parametrize(
    "outside",
    [
        {"telegram_webhook_url": "https://bot.example.vn/webhooks/telegram"},
        {"zalo_webhook_url": "https://bot.example.vn/webhooks/zalo"},
        {"public_url": "https://bot.example.vn"},
    ],
)
def test_the_development_key_is_refused_once_the_server_is_reached_from_outside(
    outside: dict[str, str],
) -> None:
    with pytest.raises(ValueError, match="CHUNGTAY_SECRET_KEY must be set to a real secret"):
        Settings(**outside)  # type: ignore[arg-type]
    assert Settings(secret_key=REAL, **outside).secret_key.get_secret_value() == REAL  # type: ignore[arg-type]


def test_the_development_key_still_runs_on_this_machine_alone() -> None:
    assert Settings().secret_key.get_secret_value() == "dev-secret"


def test_production_wants_a_long_key() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(env="production", database_url=PG, secret_key="a")  # type: ignore[arg-type]
    Settings(env="production", database_url=PG, secret_key=REAL)  # type: ignore[arg-type]
