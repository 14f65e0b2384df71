"""Votes in a Telegram native poll while PostgreSQL is unreachable: `reelbot telegram`'s own
wiring, python-telegram-bot against the fake Bot API, the database behind a loopback proxy the
test cuts (tests/tcp_proxy.py). Every vote tapped during the outage is counted afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.test_telegram_watchparty import (
    JOON,
    MINA,
    SORA,
    FakeClock,
    Running,
    counts,
    open_party,
    vote,
)
from tests.conftest import postgres_only
from tests.tcp_proxy import TcpProxy

OUTAGE = 3.0  # seconds; bench/poll_outage.py measures 10


@pytest.fixture
async def proxy(db_url: str) -> AsyncIterator[TcpProxy]:
    through = TcpProxy.to_url(db_url)
    await through.start()
    yield through
    await through.close()


@pytest.fixture
async def bot(
    fake: FakeTelegram, db_url: str, proxy: TcpProxy, tmp_path: Path
) -> AsyncIterator[Running]:
    running = Running(fake, proxy.url(db_url), tmp_path, FakeClock())
    await running.start()
    assert running.app is not None
    # Stop waiting for a connection at once, so the votes are kept by the poll-answer queue.
    running.app.db.reconnect_delays = (0.1,)
    yield running
    await running.shutdown()


@postgres_only
async def test_votes_tapped_while_the_database_is_away_are_counted(
    bot: Running, proxy: TcpProxy
) -> None:
    fake = bot.fake
    poll = await open_party(fake)
    vote(fake, poll, 1, MINA, "Mina")
    await counts(fake, "Okja (2017) — 1 vote")

    await proxy.cut()
    vote(fake, poll, 0, MINA, "Mina")  # changes to Parasite
    await asyncio.sleep(OUTAGE / 2)
    vote(fake, poll, 0, JOON, "Joon")
    vote(fake, poll, 1, SORA, "Sora")
    await asyncio.sleep(OUTAGE / 2)
    await proxy.restore()

    assert bot.app is not None
    await asyncio.wait_for(bot.app.parties.answers.wait_stored(), timeout=30)
    await counts(fake, "Parasite (2019) — 2 votes", "Okja (2017) — 1 vote", "3 vote(s)")
