"""One settings object, read from the environment (prefix CHUNGTAY_)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "dev-secret", "secret"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHUNGTAY_", env_file=None, extra="ignore")

    env: Literal["dev", "production"] = "dev"
    database_url: str = "sqlite+aiosqlite:///./chungtay.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Keys the HMAC of invite codes and API tokens; must be set to a real secret in production.
    secret_key: SecretStr = SecretStr("dev-secret")
    session_ttl_hours: int = 72
    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    invite_ttl_days: int = 7
    invite_failures_per_hour: int = 5
    simulator: bool = True
    seed_demo: bool = True
    log_level: str = "INFO"

    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    zalo_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "production":
            if self.secret_key.get_secret_value() in PLACEHOLDER_SECRETS:
                raise ValueError("CHUNGTAY_SECRET_KEY must be set to a real secret in production")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL (CHUNGTAY_DATABASE_URL)")
        return self
