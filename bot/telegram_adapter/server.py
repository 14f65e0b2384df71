"""Running the Application: long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set,
until `stop` is set (SIGTERM/SIGINT), then a clean shutdown. `run` is `reelbot telegram`: the
bot over an App, with the watch-party scheduler beside it."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app import App
from bot.core.declaration import Command
from bot.features.watchparty.scheduler import Scheduler
from bot.logs import redact_also
from bot.settings import Settings
from bot.telegram_adapter.handlers import build_application, front_end
from bot.telegram_adapter.inbox import DurableUpdateQueue, UpdateInbox, bot_id_of

log = logging.getLogger(__name__)

_MENU_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # what setMyCommands accepts


@dataclass(frozen=True)
class Webhook:
    url: str  # the public address Telegram posts to; its path is served locally
    secret: str = field(repr=False)  # Telegram sends it in X-Telegram-Bot-Api-Secret-Token
    listen: str = "0.0.0.0"
    port: int = 8443

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.strip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> Webhook | None:
        if settings.telegram_webhook_url is None:
            return None
        secret = settings.telegram_webhook_secret
        if secret is None:
            # Still checked on every request: a fresh secret, given to Telegram at start.
            secret = secrets.token_urlsafe(32)
            redact_also(secret, "TELEGRAM_WEBHOOK_SECRET")
            log.info("TELEGRAM_WEBHOOK_SECRET not set: using a random one for this run")
        return cls(
            settings.telegram_webhook_url,
            secret,
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
        )


async def set_menu(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu Telegram shows next to the input field, from every registered command
    (feature modules' included). Admin commands are listed only where admins type: for every
    group's administrators and in each Telegram owner's private chat with the bot."""
    front = front_end(application)
    listed = [c for c in front.dispatcher.commands if _MENU_NAME.match(c.name)]
    everyone = [_menu_entry(c) for c in listed if not c.admin_only]
    admins = [_menu_entry(c) for c in listed]
    menus: list[tuple[str, list[BotCommand], BotCommandScope]] = [
        ("everyone", everyone, BotCommandScopeDefault()),
        ("group admins", admins, BotCommandScopeAllChatAdministrators()),
    ]
    for owner in sorted(front.settings.owner_ids):
        platform, _, user_id = owner.partition(":")
        if platform == "telegram" and user_id.lstrip("-").isdigit():
            menus.append((f"owner {user_id}", admins, BotCommandScopeChat(int(user_id))))
    for who, commands, scope in menus:
        try:
            await application.bot.set_my_commands(commands, scope=scope)
        except TelegramError as error:  # the bot works without a menu; try again next start
            # e.g. "chat not found" for an owner who has not opened a chat with the bot yet
            log.warning("could not set the command menu for %s: %s", who, error)


def _menu_entry(command: Command) -> BotCommand:
    return BotCommand(command.name, command.description[:256] or command.name)


Companion = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def serve(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    poll_timeout: float = 10,
    webhook: Webhook | None = None,
    companions: Sequence[Companion] = (),
) -> None:
    """`companions` run beside the bot once it can send (e.g. the watch-party scheduler's
    run_forever) and get `stop` to finish before the bot shuts down."""
    async with application:
        await set_menu(application)
        await application.start()
        queue = application.update_queue
        if isinstance(queue, DurableUpdateQueue):  # first what a crash left unhandled
            for update in await queue.inbox.unhandled(application.bot):
                queue.requeue(update)
        updater = application.updater
        assert updater is not None
        if webhook is None:
            await updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=int(poll_timeout))
        else:
            await updater.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("webhook server on %s:%d/%s", webhook.listen, webhook.port, webhook.path)
        tasks = [asyncio.create_task(companion(stop)) for companion in companions]
        if isinstance(queue, DurableUpdateQueue):
            keeper = queue.inbox.keep_leases(application.bot, queue.requeue, stop)
            tasks.append(asyncio.create_task(keeper, name="update leases"))
        try:
            await stop.wait()
        finally:
            for task, result in zip(
                tasks, await asyncio.gather(*tasks, return_exceptions=True), strict=True
            ):
                if isinstance(result, BaseException):
                    log.error("%s ended with an error", task.get_name(), exc_info=result)
            await updater.stop()
            await application.stop()
            if isinstance(queue, DurableUpdateQueue):
                await queue.inbox.release()


async def run(
    settings: Settings,
    app: App,
    stop: asyncio.Event,
    *,
    base_url: str | None = None,
    poll_timeout: float = 10,
    scheduler_interval: float = 15.0,
) -> None:
    """The Telegram front end of `app` until `stop` is set: native polls recorded by its watch
    parties, whose scheduler closes them (stopPoll) and posts results and reminders through
    this bot. Updates are stored on receipt (the update inbox). `base_url`: see
    build_application."""
    inbox = UpdateInbox(
        app.db,
        bot_id_of(settings.require("TELEGRAM_TOKEN")),
        lease=timedelta(seconds=settings.telegram_update_lease_seconds),
    )
    application = build_application(
        settings,
        app.dispatcher,
        base_url,
        polls=app.parties,
        inbox=inbox,
        titles=app.recommend.titles,
    )
    scheduler = Scheduler(
        app.parties, [front_end(application).messenger], interval=scheduler_interval
    )
    await serve(
        application,
        stop,
        poll_timeout,
        webhook=Webhook.from_settings(settings),
        companions=[scheduler.run_forever],
    )
