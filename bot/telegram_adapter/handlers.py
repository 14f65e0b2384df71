"""Builds the python-telegram-bot Application: every core command, buttons, error handling."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.core.context import CommandContext
from bot.core.dispatch import Dispatcher
from bot.core.replies import Reply
from bot.settings import Settings
from bot.telegram_adapter.render import render

log = logging.getLogger(__name__)


def context_for(update: Update, settings: Settings) -> CommandContext:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    return CommandContext(
        platform="telegram",
        user_id=str(user.id),
        display_name=user.full_name or user.username or str(user.id),
        chat_id=str(chat.id),
        chat_name=chat.title or chat.full_name,
        is_admin=f"telegram:{user.id}" in settings.owner_ids,
        is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
        language=user.language_code,
    )


async def _send(message: Message, reply: Reply) -> None:
    for outgoing in render(reply):
        await message.reply_html(
            outgoing.html,
            reply_markup=outgoing.keyboard,
            disable_web_page_preview=True,
        )


def build_application(
    settings: Settings, dispatcher: Dispatcher, base_url: str | None = None
) -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(settings.require("TELEGRAM_TOKEN"))
    if base_url:
        builder = builder.base_url(f"{base_url.rstrip('/')}/bot").base_file_url(
            f"{base_url.rstrip('/')}/file/bot"
        )
    application = builder.rate_limiter(AIORateLimiter(max_retries=3)).build()

    async def on_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        reply = await dispatcher.handle(context_for(update, settings), message.text)
        await _send(message, reply)

    async def on_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        if not query.data or not isinstance(query.message, Message):
            return
        reply = await dispatcher.handle(context_for(update, settings), query.data)
        await _send(query.message, reply)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Network and Telegram errors are logged and survived; the process keeps polling.
        log.error("telegram update failed: %s", context.error, exc_info=context.error)

    application.bot_data["commands"] = dispatcher.commands  # for the menu set in serve()
    names = [c.name for c in dispatcher.commands] + ["start"]
    application.add_handler(CommandHandler(names, on_command))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
    return application


async def serve(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    poll_timeout: float = 10,
) -> None:
    """Long polling until `stop` is set (SIGTERM/SIGINT), then a clean shutdown."""
    async with application:
        # The command menu Telegram shows next to the input field.
        await application.bot.set_my_commands(
            [BotCommand(c.name, c.summary[:256]) for c in application.bot_data["commands"]]
        )
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, timeout=int(poll_timeout)
        )
        await stop.wait()
        await application.updater.stop()
        await application.stop()
