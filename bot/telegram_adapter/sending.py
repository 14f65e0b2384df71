"""Putting a rendered Reply into a chat: the poster as a photo, the text split into messages,
the poll, and edits in place for ◀ ▶ pages and inline messages."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import (
    Bot,
    CallbackQuery,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.core.clock import Clock, system_clock
from bot.core.outbox import PollEvents, SentMessage
from bot.core.replies import Item, Reply
from bot.telegram_adapter import polls
from bot.telegram_adapter.render import Page, render

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class ReplySender:
    """Sends replies for one bot. `vote_command`: the chat knows /vote, so a vote too big for
    a Telegram poll can still be taken by number."""

    def __init__(
        self,
        bot: Bot,
        tracker: PollEvents | None = None,
        vote_command: bool = False,
        clock: Clock = system_clock,
    ) -> None:
        self.bot = bot
        self.tracker = tracker
        self.vote_command = vote_command
        self.clock = clock  # the core's: poll deadlines are set by it

    async def send(
        self,
        chat_id: int | str,
        reply: Reply,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        page: Page | None = None,
    ) -> list[Message]:
        if reply.poll is not None:
            page = None  # turning pages re-runs the command: never for one that opens a vote
        reply = self._poll_fallback(reply)
        rendered = render(reply, page)
        sent: list[Message] = []
        answer_to = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        messages = rendered.messages
        if rendered.photo is not None:
            first = messages[0]
            try:
                sent.append(
                    await self.bot.send_photo(
                        chat_id,
                        rendered.photo,
                        caption=first.html,
                        parse_mode=ParseMode.HTML,
                        reply_markup=first.keyboard,
                        reply_parameters=answer_to,
                        message_thread_id=thread_id,
                    )
                )
                messages = messages[1:]
            except BadRequest as error:  # Telegram could not fetch the poster: no photo then
                log.warning("poster %s not sent: %s", rendered.photo, error)
                messages = render(reply, page, with_photo=False).messages
        for message in messages:
            if not message.html.strip():
                continue
            sent.append(
                await self.bot.send_message(
                    chat_id,
                    message.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                    link_preview_options=NO_PREVIEW,
                    reply_parameters=None if sent else answer_to,
                    message_thread_id=thread_id,
                )
            )
        if reply.poll is not None:
            sent.append(
                await polls.send_poll(
                    self.bot, chat_id, reply.poll, self.tracker, thread_id, self.clock
                )
            )
        return sent

    def _poll_fallback(self, reply: Reply) -> Reply:
        """A poll Telegram cannot hold becomes a numbered list with the reason."""
        if reply.poll is None:
            return reply
        problem = polls.too_many_options(reply.poll, self.vote_command)
        if problem is None:
            return reply
        options = tuple(
            Item(option.text, title_id=option.title_id) for option in reply.poll.options
        )
        return replace(
            reply,
            text=reply.text or reply.poll.question,
            items=reply.items + options,
            notes=(*reply.notes, problem),
            poll=None,
        )

    async def edit(self, query: CallbackQuery, reply: Reply, page: Page | None = None) -> None:
        """Show `reply` in place of the message the button is on (a photo keeps its photo and
        gets a new caption). What does not fit in one message follows as new messages."""
        message = query.message if isinstance(query.message, Message) else None
        is_photo = message is not None and bool(message.photo)
        rendered = render(reply, page, with_photo=is_photo)
        first, rest = rendered.messages[0], rendered.messages[1:]
        keyboard = rendered.messages[-1].keyboard
        try:
            if is_photo:
                await query.edit_message_caption(
                    caption=first.html, parse_mode=ParseMode.HTML, reply_markup=keyboard
                )
            else:
                await query.edit_message_text(
                    first.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    link_preview_options=NO_PREVIEW,
                )
        except BadRequest as error:
            if "not modified" not in str(error).lower():  # pressing the same page twice
                raise
        if rest and message is not None:
            for extra in rest:
                await self.bot.send_message(
                    message.chat_id,
                    extra.html,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    message_thread_id=message.message_thread_id,
                )


class TelegramMessenger:
    """The core's Messenger for Telegram (bot/core/outbox.py): speaking first in a chat
    (watch-party reminders, results) and closing a poll it opened."""

    platform = "telegram"

    def __init__(self, sender: ReplySender) -> None:
        self.sender = sender

    async def send(self, chat_id: str, reply: Reply) -> SentMessage | None:
        """The poll's message when the reply opened one (the core stops it by that id), else
        the last message sent."""
        sent = await self.sender.send(int(chat_id), reply)
        if not sent:
            return None
        last = sent[-1]
        poll_id = last.poll.id if last.poll is not None else None
        return SentMessage(str(last.message_id), poll_id)

    async def stop_poll(self, chat_id: str, message_id: str) -> list[int] | None:
        """The stopped poll's final voter count per option (stopPoll returns the poll)."""
        try:
            poll = await self.sender.bot.stop_poll(int(chat_id), int(message_id))
        except BadRequest as error:  # already closed, or the message was deleted
            log.info("poll %s in chat %s not stopped: %s", message_id, chat_id, error)
            return None
        return [option.voter_count for option in poll.options]

    async def send_private(self, user_id: str, reply: Reply) -> bool:
        """In the member's private chat with the bot, which exists only once they started it
        (Telegram refuses a bot that speaks first)."""
        try:
            sent = await self.sender.send(int(user_id), reply)
        except (Forbidden, BadRequest) as error:
            log.info("no private chat with telegram user %s: %s", user_id, error)
            return False
        return bool(sent)
