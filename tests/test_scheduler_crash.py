"""A `reelbot telegram` process killed (SIGKILL) while it posts watch-party results, and a second
process started after it: how late the results come and how many go out twice.

The fake Bot API holds each sendMessage for a while before it answers, so the kill lands while
a result is in flight. By default Telegram posts that message although the bot never hears back
(the worst case for duplicates); with `lost=True` the message is dropped with the connection
(the worst case for delay). bench/scheduler_crash.py runs the same scenario for the figures.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from bot.app import open_app
from bot.core.context import CommandContext
from bot.settings import Settings, normalise_database_url
from db.session import create_engine
from tests.adapters.fake_telegram import FakeTelegram

RESULT = "🏆 Watch party pick"


@dataclass
class SlowSendTelegram(FakeTelegram):
    """Takes `send_delay` seconds over every sendMessage, counting the ones that arrived."""

    send_delay: float = 1.0
    lost: bool = False  # a client that hung up meanwhile: the message never goes out
    arrived: int = 0
    _arrival: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"] != "sendMessage":
            return await super()._handle(request)
        await request.read()  # the whole request is in: a client killed now cannot take it back
        async with self._arrival:
            self.arrived += 1
            self._arrival.notify_all()
        await asyncio.sleep(self.send_delay)
        if self.lost and (request.transport is None or request.transport.is_closing()):
            return web.Response()
        return await super()._handle(request)

    async def wait_arrived(self, count: int, seconds: float) -> None:
        async def enough() -> None:
            async with self._arrival:
                await self._arrival.wait_for(lambda: self.arrived >= count)

        await asyncio.wait_for(enough(), seconds)

    def results(self) -> list[int]:
        """The chat of every result posted, duplicates included."""
        return [int(s.params["chat_id"]) for s in self.all("sendMessage") if RESULT in s.text]


@dataclass(frozen=True)
class CrashOutcome:
    all_posted: float  # seconds from the kill until every party's result was posted
    settled: float  # ... until no result job was left pending or in flight
    duplicates: int  # results posted more than once, over all parties


def group_chat(n: int) -> int:
    return -1_000_000 - n


async def open_due_parties(database_url: str, workdir: Path, parties: int) -> None:
    """`parties` Telegram groups, each with a vote whose deadline passed an hour ago."""
    opened_at = datetime.now(UTC) - timedelta(hours=25)  # votes last 24 h
    settings = Settings(database_url=normalise_database_url(database_url), data_dir=workdir)
    app = await open_app(settings, clock=lambda: opened_at)
    try:
        for n in range(parties):
            host = CommandContext(
                platform="telegram",
                user_id=str(500 + n),
                display_name=f"Host {n}",
                chat_id=str(group_chat(n)),
                chat_name=f"Club {n}",
                is_admin=False,
                is_group=True,
            )
            reply = await app.dispatcher.handle(host, "/watchparty new Parasite; Okja; The Host")
            assert not reply.is_error, reply.text
    finally:
        await app.close()


async def start_bot(
    fake: FakeTelegram, database_url: str, workdir: Path, name: str
) -> asyncio.subprocess.Process:
    """`python -m bot telegram` against the fake, once it has set its menu (is serving)."""
    menus = fake.calls.get("setMyCommands", 0)
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(workdir),
        "DATABASE_URL": database_url,
        "TELEGRAM_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    with (workdir / f"{name}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "telegram", env=env, stderr=log
        )
    for _ in range(1200):
        if fake.calls.get("setMyCommands", 0) > menus:
            return process
        if process.returncode is not None:
            raise AssertionError((workdir / f"{name}.log").read_text())
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError(f"{name} did not start")


async def _open_jobs(database_url: str) -> int:
    engine = create_engine(normalise_database_url(database_url))
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text(
                    "SELECT count(*) FROM watch_party_jobs "
                    "WHERE kind = 'announce' AND state IN ('pending', 'sending')"
                )
            )
        return int(found or 0)
    finally:
        await engine.dispose()


async def crash_mid_send(
    database_url: str,
    workdir: Path,
    *,
    parties: int = 4,
    send_delay: float = 1.0,
    lost: bool = False,
    kill_at: int = 2,
    give_up_after: float = 60.0,
) -> CrashOutcome:
    """Kill the first bot while result number `kill_at` is in flight, start a second one,
    and wait (at most `give_up_after` seconds after the kill) until every result job is done."""
    await open_due_parties(database_url, workdir, parties)
    fake = SlowSendTelegram(send_delay=send_delay, lost=lost)
    await fake.start()
    processes: list[asyncio.subprocess.Process] = []
    try:
        processes.append(await start_bot(fake, database_url, workdir, "first"))
        await fake.wait_arrived(kill_at, seconds=60)
        processes[0].kill()
        await processes[0].wait()
        killed = time.monotonic()
        processes.append(await start_bot(fake, database_url, workdir, "second"))
        everyone = {group_chat(n) for n in range(parties)}
        all_posted: float | None = None
        while time.monotonic() - killed < give_up_after:
            if all_posted is None and set(fake.results()) >= everyone:
                all_posted = time.monotonic() - killed
            if all_posted is not None and await _open_jobs(database_url) == 0:
                settled = time.monotonic() - killed
                return CrashOutcome(all_posted, settled, len(fake.results()) - parties)
            await asyncio.sleep(0.1)
        raise AssertionError(
            f"{give_up_after:.0f} s after the kill: results in {sorted(set(fake.results()))} "
            f"of {sorted(everyone)}, {await _open_jobs(database_url)} result job(s) left"
        )
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await fake.stop()


async def test_a_bot_killed_mid_send_loses_at_most_one_lease_and_repeats_one_message(
    db_url: str, tmp_path: Path
) -> None:
    outcome = await crash_mid_send(db_url, tmp_path, give_up_after=45)
    assert outcome.settled <= 30, outcome
    assert outcome.duplicates <= 1, outcome  # the one in flight at the kill, at most
