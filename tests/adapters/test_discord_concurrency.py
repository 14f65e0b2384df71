"""Discord servers are independent too: the real discord.py bot from create_bot, connected to
the loopback Discord (tests/adapters/fake_discord.py), which sends it poll votes as gateway
events. discord.py runs every event in its own task; a vote that takes long to record (a slow
database, a member lookup waiting on Discord's rate limit) must hold back only its own poll's
later votes, not every poll's."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.app import App
from bot.core.context import CommandContext
from bot.core.replies import Reply
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.server import serve
from tests.adapters.fake_discord import FakeDiscord

BUSY_POLL, OTHER_POLL = 7001, 7002  # poll messages in two servers' channels


@dataclass
class SlowPoll:
    """Stands in for the watch-party core: recording a vote on `slow` waits for `release`."""

    slow: str = str(BUSY_POLL)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    answered: list[tuple[str, str, list[int]]] = field(default_factory=list)

    async def poll_opened(self, *args: object) -> None:
        pass

    async def poll_answered(
        self,
        platform: str,
        platform_poll_id: str,
        voter: CommandContext,
        option_indices: Sequence[int],
    ) -> Reply | None:
        if platform_poll_id == self.slow:
            await self.release.wait()
        self.answered.append((platform_poll_id, voter.user_id, list(option_indices)))
        return None


def vote(user_id: int, message_id: int, answer_id: int) -> dict[str, object]:
    return {
        "user_id": str(user_id),
        "channel_id": str(message_id - 1000),
        "message_id": str(message_id),
        "answer_id": answer_id,
    }


async def answered(polls: SlowPoll, count: int) -> None:
    for _ in range(300):
        if len(polls.answered) >= count:
            return
        await asyncio.sleep(0.01)


async def test_a_slow_vote_holds_back_only_its_own_poll(
    app: App, discord_fake: FakeDiscord
) -> None:
    polls = SlowPoll()
    client = create_bot(app.settings, app.dispatcher, polls)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(client, discord_fake.token, stop))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        await discord_fake.dispatch("MESSAGE_POLL_VOTE_ADD", vote(11, BUSY_POLL, 1))
        await discord_fake.dispatch("MESSAGE_POLL_VOTE_ADD", vote(12, BUSY_POLL, 2))
        await discord_fake.dispatch("MESSAGE_POLL_VOTE_ADD", vote(21, OTHER_POLL, 2))
        await answered(polls, 1)
        # The other server's vote is in while the busy poll's first vote is still recording.
        assert polls.answered == [(str(OTHER_POLL), "21", [1])]

        polls.release.set()
        await answered(polls, 3)
        assert polls.answered[1:] == [(str(BUSY_POLL), "11", [0]), (str(BUSY_POLL), "12", [1])]
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
