"""The `reelbot` command line: chat, database, seeding, and the chat front ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from bot.settings import Settings, SettingsError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _token(settings: Settings, variable: str) -> str:
    """The adapter's token; a missing one stops the command with the variable's name."""
    try:
        return settings.require(variable)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _logging(settings: Settings, quiet: bool = False) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_factory()

    return asyncio.run(main())


@click.group()
def main() -> None:
    """reelbot: recommendations, reviews, where to watch and watch parties for film chats."""


@main.command()
@click.option("--user", help="Chat as this local user (default: your OS user name).")
@click.option("--region", help="Your region as a two-letter code, e.g. US or KR.")
def chat(user: str | None, region: str | None) -> None:
    """Talk to reelbot in the terminal (or pipe commands in, one per line)."""
    from bot.app import open_app
    from bot.console_adapter.chat import console_context, run_chat

    settings = _settings()
    _logging(settings, quiet=True)

    async def go() -> None:
        app = await open_app(settings)
        try:
            await run_chat(app.dispatcher, console_context(user, region and region.upper()))
        finally:
            await app.close()

    with contextlib.suppress(KeyboardInterrupt):
        _run(go)


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Migrate the database to the latest schema."""
    from db import migrate
    from db.session import Database

    settings = _settings()
    _logging(settings)

    async def go() -> str | None:
        database = Database.from_url(settings.database_url)
        try:
            await migrate.upgrade(database.engine)
            return await migrate.current_revision(database.engine)
        finally:
            await database.dispose()

    click.echo(f"database at revision {_run(go)}")


@main.group()
def seed() -> None:
    """Fill the catalog."""


@seed.command()
def starter() -> None:
    """Load the shipped starter catalog (safe to run again)."""
    from bot.app import open_app
    from db.starter import seed_starter

    settings = _settings()
    _logging(settings)

    async def go() -> str:
        app = await open_app(settings, seed=False)
        try:
            async with app.db.unit_of_work(write=True) as repos:
                summary = await seed_starter(repos)
            return (
                f"starter catalog: {summary.added} added, {summary.existing} already there, "
                f"{summary.links} editorial links"
            )
        finally:
            await app.close()

    click.echo(_run(go))


def _stop_event() -> asyncio.Event:
    """Set on SIGTERM or SIGINT, for a clean shutdown under docker compose."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


@main.command()
def telegram() -> None:
    """Run the Telegram bot (needs TELEGRAM_TOKEN; long polling, or a webhook when
    TELEGRAM_WEBHOOK_URL is set; TELEGRAM_API_BASE_URL for a self-hosted Bot API server)."""
    from bot.app import open_app
    from bot.telegram_adapter.handlers import build_application
    from bot.telegram_adapter.server import Webhook, serve

    settings = _settings()
    _logging(settings)
    _token(settings, "TELEGRAM_TOKEN")

    async def go() -> None:
        app = await open_app(settings)
        try:
            application = build_application(settings, app.dispatcher)
            await serve(application, _stop_event(), webhook=Webhook.from_settings(settings))
        finally:
            await app.close()

    _run(go)


@main.command()
def discord() -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    from bot.app import open_app
    from bot.discord_adapter.cog import create_bot

    settings = _settings()
    _logging(settings)
    token = _token(settings, "DISCORD_TOKEN")

    async def go() -> None:
        app = await open_app(settings)
        bot = create_bot(settings, app.dispatcher)
        stop = _stop_event()
        try:
            async with bot:
                runner = asyncio.create_task(bot.start(token))
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
                await bot.close()
                if runner.done() and runner.exception():
                    raise runner.exception()  # type: ignore[misc]
        finally:
            await app.close()

    _run(go)


if __name__ == "__main__":
    main()
