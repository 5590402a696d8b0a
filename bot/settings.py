"""One settings object, read from the environment (prefix CHUNGTAY_)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "dev-secret", "secret"}
MIN_SECRET_KEY = 32  # characters, in production: the key signs tokens, invites and document links
# What each platform accepts as a webhook secret (Telegram: 1-256 of A-Z a-z 0-9 _ -; Zalo: 8-256).
WEBHOOK_SECRET_RULES = {
    "telegram": re.compile(r"[A-Za-z0-9_-]{1,256}"),
    "zalo": re.compile(r"\S{8,256}"),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHUNGTAY_", env_file=None, extra="ignore")

    env: Literal["dev", "production"] = "dev"
    database_url: str = "sqlite+aiosqlite:///./chungtay.db"
    # A read replica of it for the report and export endpoints (docs/deploy.md, national
    # deployment); unset: they read the database like everything else.
    reports_database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Keys the HMAC of invite codes and API tokens; must be set to a real secret in production.
    secret_key: SecretStr = SecretStr("dev-secret")
    session_ttl_hours: int = 72
    # How long a worker may take to send a turn's replies before a redelivery of the update
    # sends them instead (the worker is presumed dead); a redelivery before then is told to
    # come back later (503).
    reply_lease_seconds: float = Field(default=30.0, gt=0, le=600)
    default_locale: str = "vi"
    # Delivery of reminders and notices: messages per second per bot, across all chats.
    send_rate_per_s: float = 25.0
    quiet_start: str = "21:00"
    quiet_end: str = "07:00"
    reminder_grace_hours: int = 12
    scheduler: bool = True  # `run` starts the scheduler; turn off where `chungtay scheduler` runs
    # Officer-corrected poverty standards (JSON files replacing the shipped ones by id).
    standards_dir: str | None = None
    # A province's own document templates (DOCX files replacing the shipped ones by name).
    templates_dir: str | None = None
    # The address people reach this server at, for download links sent in chat (Zalo, the
    # simulator); unset: http://HOST:PORT.
    public_url: str | None = None
    document_link_hours: int = Field(default=24, ge=1, le=168)
    invite_ttl_days: int = 7
    invite_failures_per_hour: int = 5
    simulator: bool = True
    # Demo data on an empty database (`chungtay run`): unset means yes in dev; never in production.
    seed_demo: bool | None = None
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line

    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_poll_timeout: int = Field(default=30, ge=0, le=50)

    zalo_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = None
    zalo_poll_timeout: int = Field(default=30, ge=1, le=60)

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        key = self.secret_key.get_secret_value()
        public = [
            f"CHUNGTAY_{name.upper()}"
            for name in ("telegram_webhook_url", "zalo_webhook_url", "public_url")
            if getattr(self, name)
        ]
        if public and key in PLACEHOLDER_SECRETS:
            # Reached from outside (a webhook, links sent in chat): with the known development
            # key anyone could sign a document link or an invite for themselves.
            raise ValueError(
                f"CHUNGTAY_SECRET_KEY must be set to a real secret: {public[0]} is set, so this"
                " server is reached from outside"
            )
        if self.env == "production":
            if key in PLACEHOLDER_SECRETS:
                raise ValueError("CHUNGTAY_SECRET_KEY must be set to a real secret in production")
            if len(key) < MIN_SECRET_KEY:
                raise ValueError(
                    f"CHUNGTAY_SECRET_KEY must be at least {MIN_SECRET_KEY} characters in"
                    " production (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL (CHUNGTAY_DATABASE_URL)")
            if (self.reports_database_url or "").startswith("sqlite"):
                raise ValueError("production needs PostgreSQL (CHUNGTAY_REPORTS_DATABASE_URL)")
            if self.seed_demo:
                raise ValueError(
                    "CHUNGTAY_SEED_DEMO=true in production: demo data is never seeded there"
                )
        for channel in WEBHOOK_SECRET_RULES:
            self._check_webhook(channel)
        return self

    @property
    def base_url(self) -> str:
        """Where download links point: CHUNGTAY_PUBLIC_URL, else this server's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def demo_data(self) -> bool:
        """Whether `run` seeds demo data into an empty database: never in production."""
        if self.env == "production":
            return False
        return True if self.seed_demo is None else self.seed_demo

    def _check_webhook(self, channel: str) -> None:
        url = getattr(self, f"{channel}_webhook_url")
        stored: SecretStr | None = getattr(self, f"{channel}_webhook_secret")
        secret = stored.get_secret_value() if stored else ""
        name = f"CHUNGTAY_{channel.upper()}_WEBHOOK_SECRET"
        if secret and not WEBHOOK_SECRET_RULES[channel].fullmatch(secret):
            raise ValueError(f"{name} is not a valid {channel} webhook secret")
        # In dev a missing secret is generated at start; in production it must be set and kept.
        if url and not secret and self.env == "production":
            raise ValueError(f"{name} must be set when {channel} runs with a webhook in production")
