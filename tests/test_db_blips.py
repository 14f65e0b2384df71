"""Database blips on the real PostgreSQL: connections the server dropped, a database that is away
for a moment, a connection lost in the middle of a write. The next command is answered normally.
The outage is a cut loopback proxy (tests/tcp_proxy.py); the shared server is never stopped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import App, open_app
from bot.core.context import CommandContext
from db.repositories import Repositories
from tests.conftest import _pg_dsn, make_settings, postgres_only
from tests.party_support import member, say_as
from tests.support import all_text, say
from tests.tcp_proxy import TcpProxy


@pytest.fixture
async def proxy(db_url: str) -> AsyncIterator[TcpProxy]:
    through = TcpProxy.to_url(db_url)
    await through.start()
    yield through
    await through.close()


@pytest.fixture
async def proxied_app(db_url: str, proxy: TcpProxy, tmp_path: Path) -> AsyncIterator[App]:
    application = await open_app(make_settings(proxy.url(db_url), tmp_path))
    yield application
    await application.close()


async def _terminate_backends(db_url: str) -> int:
    """What a PostgreSQL restart or an idle timeout does to the app's pooled connections."""
    admin = await asyncpg.connect(_pg_dsn())
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            make_url(db_url).database,
        )
        return len(rows)
    finally:
        await admin.close()


@postgres_only
async def test_commands_after_the_server_dropped_every_connection_are_answered(
    app: App, db_url: str
) -> None:
    assert not (await say(app, "/review Parasite 4 sharp")).is_error
    assert await _terminate_backends(db_url) >= 1

    reviews = await say(app, "/reviews Parasite")
    assert reviews.kind == "info", reviews.text

    await _terminate_backends(db_url)
    review = await say(app, "/review Okja 5", user="ben")
    assert review.kind == "info", review.text


@postgres_only
async def test_a_command_during_a_short_outage_waits_for_the_database(
    proxied_app: App, proxy: TcpProxy
) -> None:
    assert not (await say(proxied_app, "/review Parasite 4")).is_error
    await proxy.cut()
    restored = asyncio.get_running_loop().call_later(
        1.0, lambda: asyncio.ensure_future(proxy.restore())
    )
    try:
        reply = await say(proxied_app, "/reviews Parasite")
    finally:
        restored.cancel()
    assert reply.kind == "info", reply.text
    assert "Parasite" in all_text(reply)


@postgres_only
async def test_a_write_whose_connection_is_lost_midway_runs_again(app: App) -> None:
    calls = 0

    async def add_reviewer(repos: Repositories) -> int:
        nonlocal calls
        calls += 1
        user_id = await repos.users.ensure("console", "dana", "Dana")
        if calls == 1:  # the server drops this very connection before the commit
            await repos.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return user_id

    user_id = await app.db.write(add_reviewer)

    assert calls == 2
    async with app.db.unit_of_work() as repos:
        assert await repos.users.ensure("console", "dana", "Dana") == user_id


async def _votes_through_an_outage(app: App, proxy: TcpProxy, cut_seconds: float) -> list[str]:
    """Members answer a native poll while the database is cut off; returns the tally lines."""
    host = member("1001", chat="-100", platform="telegram")
    opened = await say_as(app, host, "/watchparty new sat 8pm; Parasite; Okja; The Host")
    assert opened.poll is not None
    await app.parties.poll_opened(opened.poll.key, "telegram", "-100", "poll-9", "msg-9")

    def voter(n: int) -> CommandContext:
        return member(str(n), chat="", platform="telegram")

    assert await app.parties.poll_answered("telegram", "poll-9", voter(1), [0]) is None
    await proxy.cut()
    # Spread over the outage: member 1 changes to Okja, then to The Host (order matters),
    # members 2..9 vote, member 2 takes theirs back again.
    answers = [(1, [1]), (1, [2]), *((n, [n % 2]) for n in range(2, 10)), (2, [])]
    sent = []
    for n, options in answers:
        sent.append(
            asyncio.create_task(app.parties.poll_answered("telegram", "poll-9", voter(n), options))
        )
        await asyncio.sleep(cut_seconds / len(answers))
    await proxy.restore()
    assert [await task for task in sent] == [None] * len(answers)
    await asyncio.wait_for(app.parties.answers.wait_stored(), timeout=30)
    status = await say_as(app, host, "/watchparty")
    return [i.text.split(" — ")[1] for i in status.items]


@postgres_only
async def test_poll_answers_sent_while_the_database_is_away_are_all_counted(
    proxied_app: App, proxy: TcpProxy
) -> None:
    # Give up waiting for a connection at once, so the answers are kept by the poll queue.
    proxied_app.db.reconnect_delays = (0.1,)
    tally = await _votes_through_an_outage(proxied_app, proxy, cut_seconds=3.0)
    # Parasite: 4, 6, 8; Okja: 3, 5, 7, 9; The Host: 1; member 2 withdrew.
    assert tally == ["3 votes", "4 votes", "1 vote"]
