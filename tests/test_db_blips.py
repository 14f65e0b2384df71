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
from db.repositories import Repositories
from tests.conftest import _pg_dsn, make_settings, postgres_only
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
