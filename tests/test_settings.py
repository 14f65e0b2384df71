"""Settings.from_env: defaults, pasted database URLs, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, normalise_database_url


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'reelbot.sqlite3'}"
    assert settings.default_region is None
    assert settings.log_level == "INFO"
    assert settings.owner_ids == frozenset()
    assert settings.discord_token is None and settings.telegram_token is None


def test_without_a_data_dir_the_os_user_data_dir_is_used() -> None:
    settings = Settings.from_env({})
    assert "reelbot" in str(settings.data_dir)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("reelbot.sqlite3")


def test_empty_values_count_as_unset(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "REELBOT_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "",
            "REELBOT_DEFAULT_REGION": "  ",
            "TELEGRAM_TOKEN": "",
        }
    )
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.default_region is None
    assert settings.telegram_token is None


@pytest.mark.parametrize(
    ("pasted", "used"),
    [
        ("postgres://u:p@db:5432/reelbot", "postgresql+asyncpg://u:p@db:5432/reelbot"),
        ("postgresql://u:p@db/reelbot", "postgresql+asyncpg://u:p@db/reelbot"),
        ("postgresql+asyncpg://u:p@db/reelbot", "postgresql+asyncpg://u:p@db/reelbot"),
        ("sqlite:////var/lib/reelbot/r.db", "sqlite+aiosqlite:////var/lib/reelbot/r.db"),
        ("sqlite+aiosqlite:///r.db", "sqlite+aiosqlite:///r.db"),
    ],
)
def test_database_url_is_normalised_to_the_async_driver(
    tmp_path: Path, pasted: str, used: str
) -> None:
    assert normalise_database_url(pasted) == used
    settings = Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": pasted})
    assert settings.database_url == used


def test_region_owners_and_log_level(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "REELBOT_DATA_DIR": str(tmp_path),
            "REELBOT_DEFAULT_REGION": " us ",
            "REELBOT_OWNER_IDS": "telegram:123, discord:456,,",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.default_region == "US"
    assert settings.owner_ids == frozenset({"telegram:123", "discord:456"})
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize("region", ["USA", "U", "1A", "U5", "united states", "ü"])
def test_malformed_default_region_names_the_variable(tmp_path: Path, region: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path), "REELBOT_DEFAULT_REGION": region})
    assert "REELBOT_DEFAULT_REGION" in str(raised.value)


@pytest.mark.parametrize("region", ["UK", "XX", "ZZ"])
def test_default_region_must_be_a_real_country_code(tmp_path: Path, region: str) -> None:
    """ "UK" is the classic slip for GB. Accepting it means every /where answers "not known
    to be available in UK"; refusing it at start-up names the variable to fix."""
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path), "REELBOT_DEFAULT_REGION": region})
    assert "REELBOT_DEFAULT_REGION" in str(raised.value)


@pytest.mark.parametrize("variable", ["TELEGRAM_TOKEN", "DISCORD_TOKEN"])
def test_missing_token_stops_its_front_end_with_the_variable_name(
    tmp_path: Path, variable: str
) -> None:
    settings = Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path)})
    with pytest.raises(SettingsError) as raised:
        settings.require(variable)
    assert variable in str(raised.value)


def test_tokens_are_returned_when_set_and_kept_out_of_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "REELBOT_DATA_DIR": str(tmp_path),
            "TELEGRAM_TOKEN": "123:telegram-secret",
            "DISCORD_TOKEN": "discord-secret",
        }
    )
    assert settings.require("TELEGRAM_TOKEN") == "123:telegram-secret"
    assert settings.require("DISCORD_TOKEN") == "discord-secret"
    assert "secret" not in repr(settings)
    # One front end's token does not stand in for the other's.
    only_telegram = Settings.from_env(
        {"REELBOT_DATA_DIR": str(tmp_path), "TELEGRAM_TOKEN": "123:x"}
    )
    with pytest.raises(SettingsError, match="DISCORD_TOKEN"):
        only_telegram.require("DISCORD_TOKEN")


def test_from_env_reads_the_process_environment_when_given_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://a@b/c")
    monkeypatch.setenv("REELBOT_DEFAULT_REGION", "kr")
    settings = Settings.from_env()
    assert settings.database_url == "postgresql+asyncpg://a@b/c"
    assert settings.default_region == "KR"
    assert settings.data_dir == tmp_path


def test_telegram_runs_long_polling_unless_a_webhook_is_set(tmp_path: Path) -> None:
    settings = Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path)})
    assert settings.telegram_webhook_url is None
    assert settings.telegram_api_base_url is None
    hooked = Settings.from_env(
        {
            "REELBOT_DATA_DIR": str(tmp_path),
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret_-token",
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "TELEGRAM_WEBHOOK_PORT": "8080",
            "TELEGRAM_API_BASE_URL": "http://telegram-bot-api:8081",
        }
    )
    assert hooked.telegram_webhook_url == "https://bot.example.org/telegram"
    assert hooked.telegram_webhook_secret == "s3cret_-token"
    assert (hooked.telegram_webhook_listen, hooked.telegram_webhook_port) == ("127.0.0.1", 8080)
    assert hooked.telegram_api_base_url == "http://telegram-bot-api:8081"
    assert "s3cret" not in repr(hooked)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_WEBHOOK_URL", "bot.example.org/telegram"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces!"),
        ("TELEGRAM_WEBHOOK_PORT", "eighty"),
        ("TELEGRAM_WEBHOOK_PORT", "70000"),
    ],
)
def test_bad_webhook_settings_name_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path), variable: value})


def test_a_webhook_without_a_secret_still_gets_one(tmp_path: Path) -> None:
    from bot.telegram_adapter.server import Webhook

    settings = Settings.from_env(
        {"REELBOT_DATA_DIR": str(tmp_path), "TELEGRAM_WEBHOOK_URL": "https://x.example/tg/hook"}
    )
    first, second = Webhook.from_settings(settings), Webhook.from_settings(settings)
    assert first is not None and second is not None
    assert len(first.secret) >= 32 and first.secret != second.secret
    assert first.path == "tg/hook" and first.port == 8443


def test_stale_offer_age_defaults_to_a_year_and_is_configurable(tmp_path: Path) -> None:
    assert Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path)}).stale_offer_days == 365
    env = {"REELBOT_DATA_DIR": str(tmp_path), "REELBOT_STALE_OFFER_DAYS": " 90 "}
    assert Settings.from_env(env).stale_offer_days == 90
    for bad in ("0", "-5", "a year", "1.5"):
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({**env, "REELBOT_STALE_OFFER_DAYS": bad})
        assert "REELBOT_STALE_OFFER_DAYS" in str(raised.value)
