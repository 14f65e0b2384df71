"""Running the Discord bot until `stop` is set (SIGTERM/SIGINT), then a clean shutdown.
Companions (the watch-party scheduler) start once the bot is ready, since they post through
it, and finish before it disconnects. `run` is `reelbot discord`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import discord

from bot.app import App
from bot.discord_adapter.cog import create_bot
from bot.discord_adapter.messenger import DiscordMessenger
from bot.features.watchparty.scheduler import Scheduler
from bot.settings import Settings

log = logging.getLogger(__name__)

Companion = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def run_when_ready(
    client: discord.Client, stop: asyncio.Event, companions: Sequence[Companion]
) -> None:
    """Wait for the client's first READY (or `stop`), then run the companions until they end
    (they watch `stop`). A companion's error is logged; the others go on."""
    ready = asyncio.ensure_future(client.wait_until_ready())
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({ready, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (ready, stopper):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if stop.is_set():
        return
    results = await asyncio.gather(*(c(stop) for c in companions), return_exceptions=True)
    for companion, result in zip(companions, results, strict=True):
        if isinstance(result, BaseException):
            log.error(
                "%s ended with an error",
                getattr(companion, "__qualname__", companion),
                exc_info=result,
            )


async def serve(
    client: discord.Client,
    token: str,
    stop: asyncio.Event,
    companions: Sequence[Companion] = (),
) -> None:
    """Connect and stay connected until `stop` is set. A connection that ends for good (a bad
    token, say) stops the companions too and is raised once they have finished."""
    async with client:
        connection = asyncio.create_task(client.start(token), name="discord connection")
        beside = asyncio.create_task(run_when_ready(client, stop, companions))
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.set()
            await beside
            await client.close()
            stopper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopper
        await connection  # returns once closed; raises what ended it otherwise


async def run(settings: Settings, app: App, token: str, stop: asyncio.Event) -> None:
    """The Discord front end of `app` until `stop` is set: native polls recorded by its watch
    parties, whose scheduler ends them and posts results and reminders through this bot."""
    client = create_bot(settings, app.dispatcher, app.parties)
    scheduler = Scheduler(app.parties, [DiscordMessenger(client, app.parties)])
    await serve(client, token, stop, [scheduler.run_forever])
