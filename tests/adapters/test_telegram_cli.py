"""`reelbot telegram` as an operator runs it: configured from the environment, pointed at a Bot
API server (TELEGRAM_API_BASE_URL), answering, running watch parties on native polls with its
scheduler, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram


@asynccontextmanager
async def reelbot_telegram(
    tmp_path: Path, fake: FakeTelegram | None = None
) -> AsyncIterator[tuple[FakeTelegram, Process]]:
    """`python -m bot telegram` on the SQLite file in `tmp_path` (fresh the first time),
    pointed at a fake Bot API server (a new one unless `fake` is given and running); killed at
    the end if the test did not stop it."""
    own_fake = fake is None
    if fake is None:
        fake = FakeTelegram()
        await fake.start()
    base_url = fake.base_url
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "TELEGRAM_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": base_url,
        # A process started after a crash has another pid: it takes the dead one's updates
        # over once their lease ran out.
        "TELEGRAM_UPDATE_LEASE_SECONDS": "2",
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    menus = len(fake.all("setMyCommands"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "telegram",
        env=env,
        cwd=tmp_path,  # no .env of the developer's in the way
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for("setMyCommands", menus + 1, seconds=60)
        yield fake, process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if own_fake:
            await fake.stop()


async def stop_with_sigterm(process: Process) -> None:
    process.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()


async def test_reelbot_telegram_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with reelbot_telegram(tmp_path) as (fake, process):
        fake.send_text("/title Miracle in Cell No. 7")
        [sent] = await fake.wait_for("sendMessage", seconds=30)
        assert "Miracle in Cell No. 7 (2013)" in sent.text
        await stop_with_sigterm(process)


async def test_reelbot_telegram_runs_watch_parties_on_native_polls(tmp_path: Path) -> None:
    async with reelbot_telegram(tmp_path) as (fake, process):
        fake.send_text("/watchparty new Parasite; Okja", chat_id=GROUP_ID)
        [poll] = await fake.wait_for("sendPoll", seconds=30)
        assert poll.params["is_anonymous"] is False

        fake.vote(poll, [1], user_id=7, name="Joon")  # recorded by the process's watch parties
        for _ in range(100):
            seen = len(fake.all("sendMessage"))
            fake.send_text("/watchparty", chat_id=GROUP_ID)
            status = (await fake.wait_for("sendMessage", seen + 1, seconds=30))[seen]
            if "Okja (2017) — 1 vote" in status.text:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the poll vote was not recorded: {status.text}")

        seen = len(fake.all("sendMessage"))
        fake.send_text("/watchparty close", chat_id=GROUP_ID)
        closed = (await fake.wait_for("sendMessage", seen + 1, seconds=30))[seen]
        assert "Watch party pick: Okja" in closed.text
        [stopped] = await fake.wait_for("stopPoll", seconds=30)  # the scheduler, running
        assert int(stopped.params["message_id"]) == poll.result["message_id"]

        await stop_with_sigterm(process)
