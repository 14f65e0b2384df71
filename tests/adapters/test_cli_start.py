"""How `reelbot telegram` and `reelbot discord` start as real processes: without their token
they stop at once, before touching the database, with one line and status 78 (so compose
profiles and supervisors can tell a missing setting from a crash); the `.env` file of the
current directory configures them, under the environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_NOT_CONFIGURED
from tests.adapters.fake_telegram import FakeTelegram

CONFIG = ("TELEGRAM_", "DISCORD_", "DATABASE_URL", "LOG_LEVEL", "REELBOT_")


def clean_environment(tmp_path: Path) -> dict[str, str]:
    """The test runner's environment without any reelbot setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG)}
    return env | {"REELBOT_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize(
    ("front_end", "variable"), [("telegram", "TELEGRAM_TOKEN"), ("discord", "DISCORD_TOKEN")]
)
async def test_a_front_end_without_its_token_exits_once_with_status_78(
    tmp_path: Path, front_end: str, variable: str
) -> None:
    database = tmp_path / "bot.sqlite3"
    env = clean_environment(tmp_path) | {"DATABASE_URL": f"sqlite:///{database}"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        front_end,
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == EXIT_NOT_CONFIGURED == 78
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert variable in lines[0] and f"The {front_end} bot is not started" in lines[0]
    assert ".env" in lines[0]  # where to put it, which is now true
    assert out == b""
    assert not database.exists()  # stopped before opening the database


async def test_reelbot_telegram_reads_the_env_file_under_the_environment(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_TOKEN={fake.token}\n"
        f"DATABASE_URL=sqlite:///{tmp_path / 'bot.sqlite3'}\n"
        "TELEGRAM_API_BASE_URL=http://127.0.0.1:9\n",  # overridden by the environment
        encoding="utf-8",
    )
    env = clean_environment(tmp_path) | {"TELEGRAM_API_BASE_URL": fake.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "telegram",
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for("setMyCommands", seconds=60)
        fake.send_text("/title Okja")
        [sent] = await fake.wait_for("sendMessage", seconds=30)
        assert "Okja (2017)" in sent.text
        assert (tmp_path / "bot.sqlite3").exists()  # the file's DATABASE_URL
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()[-2000:]
