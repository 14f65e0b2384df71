"""Settings read once from the environment and passed down (never read at import time)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from platformdirs import user_data_dir

from bot.core.text import ISO_REGIONS


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names the variable."""


def default_data_dir() -> Path:
    return Path(user_data_dir("reelbot", appauthor=False))


def normalise_database_url(url: str) -> str:
    """Accept pasted URLs (postgres://, postgresql://, sqlite:///) and pick the async drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def environment(env_file: Path = Path(".env")) -> dict[str, str]:
    """The process environment over the variables of `env_file` (the `.env` that docker compose
    reads, in the current directory): outside compose the same file configures the CLI, and a
    variable set in the environment wins over the file, as in compose. Values are taken
    literally (no ${VAR} expansion), so a password or token may hold any character."""
    from_file = dotenv_values(env_file, interpolate=False) if env_file.is_file() else {}
    return {
        **{key: value for key, value in from_file.items() if value is not None},
        **os.environ,
    }


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _telegram_webhook(env: Mapping[str, str]) -> tuple[str | None, str | None, str, int]:
    """(webhook URL, secret, listen host, listen port), checked so a typo stops startup with
    the variable's name instead of a webhook Telegram silently refuses."""
    url = (env.get("TELEGRAM_WEBHOOK_URL") or "").strip() or None
    if url is not None and not url.startswith(("https://", "http://")):
        raise SettingsError(
            f"TELEGRAM_WEBHOOK_URL must be the public https:// address of the bot, not {url!r}"
        )
    secret = (env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip() or None
    if secret is not None and not _WEBHOOK_SECRET.match(secret):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET may use only letters, digits, _ and - (1-256 characters)"
        )
    listen = (env.get("TELEGRAM_WEBHOOK_LISTEN") or "").strip() or "0.0.0.0"
    port_text = (env.get("TELEGRAM_WEBHOOK_PORT") or "").strip() or "8443"
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise SettingsError(f"TELEGRAM_WEBHOOK_PORT must be a port number, not {port_text!r}")
    return url, secret, listen, int(port_text)


def _discord_shards(env: Mapping[str, str]) -> tuple[tuple[int, ...] | None, int | None]:
    """(this process's shard ids, total shard count) for a deployment that splits the bot's
    Discord servers over several processes. Neither set: one process, and discord.py asks
    Discord how many shards to run; only the count: this process runs all of them."""
    count_text = (env.get("REELBOT_DISCORD_SHARD_COUNT") or "").strip()
    ids_text = (env.get("REELBOT_DISCORD_SHARDS") or "").strip()
    count = None
    if count_text:
        if not count_text.isdigit() or int(count_text) < 1:
            raise SettingsError(
                f"REELBOT_DISCORD_SHARD_COUNT must be a whole number of 1 or more, not "
                f"{count_text!r}"
            )
        count = int(count_text)
    if not ids_text:
        return None, count
    if count is None:
        raise SettingsError(
            "REELBOT_DISCORD_SHARDS needs REELBOT_DISCORD_SHARD_COUNT, the total number of "
            "shards of the deployment"
        )
    parts = [part.strip() for part in ids_text.split(",")]
    if not all(part.isdigit() and int(part) < count for part in parts):
        raise SettingsError(
            f"REELBOT_DISCORD_SHARDS must list shard ids from 0 to {count - 1}, separated by "
            f"commas (e.g. 0,1), not {ids_text!r}"
        )
    ids = sorted({int(part) for part in parts})
    if len(ids) != len(parts):
        raise SettingsError(f"REELBOT_DISCORD_SHARDS lists a shard twice: {ids_text!r}")
    return tuple(ids), count


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    log_level: str = "INFO"
    default_region: str | None = None
    # /where marks an offer older than this as possibly out of date.
    stale_offer_days: int = 365
    # "platform:user_id" entries, e.g. "telegram:123456"; the console user is always an owner.
    owner_ids: frozenset[str] = frozenset()
    discord_token: str | None = field(default=None, repr=False)
    telegram_token: str | None = field(default=None, repr=False)
    # A self-hosted Bot API server, e.g. http://telegram-bot-api:8081 (None: api.telegram.org).
    telegram_api_base_url: str | None = None
    # Webhook mode when set (long polling otherwise); the secret is checked on every request.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    # How long a dead worker's unhandled updates wait before another worker takes them over.
    telegram_update_lease_seconds: float = 30.0
    # Discord shards this process runs, of how many (None: discord.py decides, all here).
    discord_shard_ids: tuple[int, ...] | None = None
    discord_shard_count: int | None = None
    # Catalog snapshots (pickles), shared by every process on the database when they share
    # this directory (see bot/core/snapshot_sync.py). None: `index-cache` in data_dir.
    cache_dir_setting: Path | None = None

    @property
    def cache_dir(self) -> Path:
        return self.cache_dir_setting or self.data_dir / "index-cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("REELBOT_DATA_DIR") or default_data_dir())
        url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'reelbot.sqlite3'}"
        region = (env.get("REELBOT_DEFAULT_REGION") or "").strip().upper() or None
        if region is not None and region not in ISO_REGIONS:
            raise SettingsError(
                f"REELBOT_DEFAULT_REGION must be an ISO 3166 country code such as US, GB or "
                f"KR, not {region!r}"
            )
        stale_text = (env.get("REELBOT_STALE_OFFER_DAYS") or "").strip() or "365"
        if not stale_text.isdigit() or int(stale_text) < 1:
            raise SettingsError(
                f"REELBOT_STALE_OFFER_DAYS must be a whole number of days, not {stale_text!r}"
            )
        owners = frozenset(
            part.strip() for part in env.get("REELBOT_OWNER_IDS", "").split(",") if part.strip()
        )
        webhook_url, webhook_secret, listen, port = _telegram_webhook(env)
        shard_ids, shard_count = _discord_shards(env)
        lease_text = (env.get("TELEGRAM_UPDATE_LEASE_SECONDS") or "").strip() or "30"
        try:
            lease = float(lease_text)
        except ValueError:
            lease = 0.0
        if not 1 <= lease <= 3600:
            raise SettingsError(
                f"TELEGRAM_UPDATE_LEASE_SECONDS must be a number of seconds from 1 to 3600, "
                f"not {lease_text!r}"
            )
        log_level = (env.get("LOG_LEVEL") or "").strip().upper() or "INFO"
        if log_level not in LOG_LEVELS:
            choices = ", ".join(LOG_LEVELS)
            raise SettingsError(f"LOG_LEVEL must be one of {choices}, not {log_level!r}")
        return cls(
            database_url=normalise_database_url(url),
            data_dir=data_dir,
            log_level=log_level,
            default_region=region,
            stale_offer_days=int(stale_text),
            owner_ids=owners,
            discord_token=env.get("DISCORD_TOKEN") or None,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_api_base_url=(env.get("TELEGRAM_API_BASE_URL") or "").strip() or None,
            telegram_webhook_url=webhook_url,
            telegram_webhook_secret=webhook_secret,
            telegram_webhook_listen=listen,
            telegram_webhook_port=port,
            telegram_update_lease_seconds=lease,
            discord_shard_ids=shard_ids,
            discord_shard_count=shard_count,
            cache_dir_setting=Path(cache) if (cache := env.get("REELBOT_CACHE_DIR")) else None,
        )

    def require(self, variable: str) -> str:
        """The token for an adapter; a missing one stops that adapter with the variable's name."""
        value = {"DISCORD_TOKEN": self.discord_token, "TELEGRAM_TOKEN": self.telegram_token}[
            variable
        ]
        if not value:
            raise SettingsError(
                f"{variable} is not set: put it in the environment or in the .env file of the "
                "current directory"
            )
        return value
