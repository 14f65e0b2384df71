"""`reelbot telegram` as an operator runs it: configured from the environment, pointed at a Bot
API server (TELEGRAM_API_BASE_URL), answering, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.adapters.fake_telegram import FakeTelegram


async def test_reelbot_telegram_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    fake = FakeTelegram()
    base_url = await fake.start()
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "TELEGRAM_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": base_url,
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "telegram",
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for("setMyCommands", seconds=60)
        fake.send_text("/title Miracle in Cell No. 7")
        [sent] = await fake.wait_for("sendMessage", seconds=30)
        assert "Miracle in Cell No. 7 (2013)" in sent.text
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()
