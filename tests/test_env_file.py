"""bot.settings.environment: the .env file under the process environment, as compose does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, environment


def test_the_env_file_fills_in_what_the_environment_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "TELEGRAM_TOKEN=123:from-file\n"
        "DISCORD_TOKEN=discord-from-file\n"
        "POSTGRES_PASSWORD=pa$$word${HOME}\n"
        'REELBOT_DEFAULT_REGION="kr"\n'
        "LOG_LEVEL=\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DISCORD_TOKEN", "discord-from-environment")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    env = environment(env_file)
    assert env["TELEGRAM_TOKEN"] == "123:from-file"
    assert env["DISCORD_TOKEN"] == "discord-from-environment"  # the environment wins
    assert env["POSTGRES_PASSWORD"] == "pa$$word${HOME}"  # literally, no expansion
    settings = Settings.from_env({**env, "REELBOT_DATA_DIR": str(tmp_path)})
    assert settings.require("TELEGRAM_TOKEN") == "123:from-file"
    assert settings.default_region == "KR"
    assert settings.log_level == "INFO"  # empty in the file: the default


def test_without_an_env_file_only_the_environment_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:env")
    env = environment(tmp_path / ".env")
    assert env["TELEGRAM_TOKEN"] == "123:env"


def test_the_default_env_file_is_the_current_directorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("REELBOT_OWNER_IDS=telegram:1\n", encoding="utf-8")
    monkeypatch.delenv("REELBOT_OWNER_IDS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert environment()["REELBOT_OWNER_IDS"] == "telegram:1"


@pytest.mark.parametrize("level", ["verbose", "warn ing", "10"])
def test_an_unknown_log_level_names_the_variable(tmp_path: Path, level: str) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="LOG_LEVEL must be one of DEBUG, INFO"):
        Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path), "LOG_LEVEL": level})
