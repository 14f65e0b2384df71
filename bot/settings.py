"""Settings read once from the environment and passed down (never read at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    log_level: str = "INFO"
    default_region: str | None = None
    # "platform:user_id" entries, e.g. "telegram:123456"; the console user is always an owner.
    owner_ids: frozenset[str] = frozenset()
    discord_token: str | None = field(default=None, repr=False)
    telegram_token: str | None = field(default=None, repr=False)

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
        owners = frozenset(
            part.strip() for part in env.get("REELBOT_OWNER_IDS", "").split(",") if part.strip()
        )
        return cls(
            database_url=normalise_database_url(url),
            data_dir=data_dir,
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            default_region=region,
            owner_ids=owners,
            discord_token=env.get("DISCORD_TOKEN") or None,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
        )

    def require(self, variable: str) -> str:
        """The token for an adapter; a missing one stops that adapter with the variable's name."""
        value = {"DISCORD_TOKEN": self.discord_token, "TELEGRAM_TOKEN": self.telegram_token}[
            variable
        ]
        if not value:
            raise SettingsError(f"{variable} is not set: put it in the environment or .env file")
        return value
