"""Helpers for the watch-party tests: a clock the test moves, a Messenger that records what the
scheduler sends, and members of one group chat."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App, open_app
from bot.core.context import CommandContext
from bot.core.outbox import SentMessage
from bot.core.replies import Reply
from db import models as m
from tests.conftest import make_settings

# A Wednesday, 15:00 in Seoul.
START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@dataclass
class RecordingMessenger:
    """Records what the scheduler sends; `fail` makes the next sends raise (a network error)."""

    platform: str = "console"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    stopped: list[tuple[str, str]] = field(default_factory=list)
    fail: int = 0
    reachable: set[str] = field(default_factory=set)
    private: list[tuple[str, Reply]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: str, reply: Reply) -> SentMessage:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("platform unreachable")
        self.sent.append((chat_id, reply))
        return SentMessage(f"m{next(self._ids)}")

    async def stop_poll(self, chat_id: str, message_id: str) -> None:
        self.stopped.append((chat_id, message_id))

    async def send_private(self, user_id: str, reply: Reply) -> bool:
        """Members listed in `reachable` get it privately; the others only in the chat."""
        if user_id not in self.reachable:
            return False
        self.private.append((user_id, reply))
        return True

    def texts(self) -> list[str]:
        return [reply.text for _chat, reply in self.sent]


def member(
    name: str, chat: str = "movie-club", admin: bool = False, platform: str = "console"
) -> CommandContext:
    return CommandContext(
        platform=platform,
        user_id=name,
        display_name=name,
        chat_id=chat,
        chat_name=chat,
        is_admin=admin,
        is_group=True,
    )


async def say_as(app: App, ctx: CommandContext, line: str) -> Reply:
    return await app.dispatcher.handle(ctx, line)


@asynccontextmanager
async def party_app(url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    app = await open_app(make_settings(url, tmp_path), clock=clock)
    try:
        yield app
    finally:
        await app.close()


async def count(app: App, model: object) -> int:
    async with app.db.unit_of_work() as repos:
        return int(await repos.session.scalar(select(func.count()).select_from(model)) or 0)


async def party_rows(app: App) -> list[tuple[int, str, int | None]]:
    """(id, state, winner position) of every party."""
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.WatchParty.id, m.WatchParty.state, m.WatchParty.winner_position).order_by(
                m.WatchParty.id
            )
        )
        return [(int(i), str(s), w) for i, s, w in rows]


async def only_party_id(app: App) -> int:
    rows = await party_rows(app)
    assert len(rows) == 1, rows
    return rows[0][0]
