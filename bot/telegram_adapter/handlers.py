"""Builds the python-telegram-bot Application: commands (also /cmd@bot in groups and as a
document's caption), guided flows, buttons, inline mode, poll answers and error handling, all
over the platform-neutral Dispatcher."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import partial
from html import escape as html_escape

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.core.buttons import is_watchlist_add
from bot.core.context import Attachment, CommandContext
from bot.core.declaration import Command, required_params
from bot.core.dispatch import Dispatcher, error_reply, title_without_rating
from bot.core.errors import UserError
from bot.core.outbox import PollEvents
from bot.core.params import TITLE
from bot.core.replies import Reply
from bot.core.text import shorten
from bot.features.recommend.cards import MAX_CARDS, title_cards
from bot.features.recommend.titles import Titles
from bot.settings import Settings
from bot.telegram_adapter import callbacks
from bot.telegram_adapter.admins import ChatAdmins
from bot.telegram_adapter.flows import (
    Flow,
    command_words,
    completed_line,
    flows_of,
    next_param,
    placeholder,
)
from bot.telegram_adapter.identity import is_user_id, sender_of
from bot.telegram_adapter.inbox import DurableUpdateQueue, UpdateInbox
from bot.telegram_adapter.ordering import PerChatUpdateProcessor
from bot.telegram_adapter.polls import PLATFORM
from bot.telegram_adapter.ratelimit import ChatRateLimiter
from bot.telegram_adapter.render import Page, render
from bot.telegram_adapter.sending import NO_PREVIEW, ReplySender, TelegramMessenger

# Text only ever goes between tags, never into attributes: quotes may stay as they are.
escape = partial(html_escape, quote=False)

log = logging.getLogger(__name__)

# The Bot API's own download limit; a self-hosted server could take more, memory could not.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ALERT = 200  # answerCallbackQuery text

_COMMAND = re.compile(
    r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s+(?P<args>.*))?$", re.DOTALL
)


@dataclass(frozen=True, slots=True)
class CommandLine:
    name: str
    bot: str | None
    args: str

    @property
    def line(self) -> str:
        """Without the @bot suffix: what the dispatcher and the buttons need."""
        return f"/{self.name} {self.args}".rstrip()


def parse_command(text: str) -> CommandLine | None:
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    return CommandLine(
        match.group("name").lower(), match.group("bot"), (match.group("args") or "").strip()
    )


@dataclass(frozen=True, slots=True)
class Target:
    """Where an answer goes: the chat, the forum topic, and the message it answers."""

    chat_id: int
    thread_id: int | None = None
    reply_to: int | None = None

    @classmethod
    def of(cls, message: Message, quote: bool) -> Target:
        thread = message.message_thread_id if message.is_topic_message else None
        return cls(message.chat_id, thread, message.message_id if quote else None)


def _is_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _toast(reply: Reply) -> str:
    text = reply.text or (reply.card.heading if reply.card is not None else "Done.")
    return shorten(text, MAX_ALERT)


class TelegramFrontEnd:
    """The handlers of one Application, and what they share."""

    def __init__(
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        bot: Bot,
        tracker: PollEvents | None,
        titles: Titles | None = None,
    ) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self.titles = titles  # the /title cards inline mode lists
        self.bot = bot
        self.tracker = tracker
        self.admins = ChatAdmins(settings.owner_ids)
        names = {c.name for c in dispatcher.commands}
        self.sender = ReplySender(
            bot, tracker, vote_command="vote" in names, clock=dispatcher.core.clock
        )
        self.messenger = TelegramMessenger(self.sender)

    @property
    def command_names(self) -> set[str]:
        return {c.name for c in self.dispatcher.commands} | {"start"}

    async def send(self, target: Target, reply: Reply, page: Page | None = None) -> None:
        await self.sender.send(
            target.chat_id,
            reply,
            reply_to=target.reply_to,
            thread_id=target.thread_id,
            page=page,
        )

    # -- who is asking -----------------------------------------------------------------------

    async def context_for(
        self, update: Update, attachment: Attachment | None = None
    ) -> CommandContext:
        sender = sender_of(update)  # a member posting as a channel is that channel
        chat = update.effective_chat  # None for a button on a card shared with inline mode
        return CommandContext(
            platform=PLATFORM,
            user_id=sender.user_id,
            display_name=sender.display_name,
            chat_id=str(chat.id) if chat is not None else sender.user_id,
            chat_name=(chat.title or chat.full_name) if chat is not None else None,
            is_admin=await self.admins.is_admin(self.bot, chat, sender),
            is_group=chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
            language=sender.language,
            attachment=attachment,
        )

    def addressed_to_me(self, command: CommandLine, message: Message) -> bool:
        """/cmd@otherbot is not ours; in a group a bare /cmd we don't know is another bot's."""
        if command.bot is not None:
            return command.bot.lower() == (self.bot.username or "").lower()
        return not _is_group(message) or command.name in self.command_names

    # -- messages ------------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.text is None or update.effective_user is None:
            return
        command = parse_command(message.text) if message.text.startswith("/") else None
        if command is not None:
            if not self.addressed_to_me(command, message):
                return
            flows_of(context.chat_data).pop(sender_of(update).user_id, None)
            await self.run(update, context, command, Target.of(message, _is_group(message)))
            return
        await self.on_plain_text(update, context, message)

    async def on_plain_text(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message
    ) -> None:
        user_id = sender_of(update).user_id
        flows = flows_of(context.chat_data)
        flow = flows.get(user_id)
        private = message.chat.type == ChatType.PRIVATE
        replied = message.reply_to_message
        if flow is not None and flow.expired():
            del flows[user_id]
            flow = None
        if flow is not None and (private or (replied and replied.message_id == flow.prompt_id)):
            del flows[user_id]
            await self.answer_flow(update, context, flow, message)
        elif private:  # plain words in a private chat: a search, the likeliest wish
            command = CommandLine("search", None, message.text or "")
            await self.run(update, context, command, Target.of(message, False))

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.document is None:
            return
        command = parse_command(message.caption or "")
        target = Target.of(message, _is_group(message))
        if command is None or not self.addressed_to_me(command, message):
            if not _is_group(message):
                await self.send(
                    target,
                    Reply(
                        text="To use a file, send it with the command as its caption.",
                        notes=("/help lists the commands.",),
                    ),
                )
            return
        document = message.document
        name = document.file_name or "upload"
        too_big = Reply(
            text=f"{name} is too big: I can take files up to "
            f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            notes=("Split it into smaller files, or export less at a time.",),
            kind="error",
        )
        if document.file_size is not None and document.file_size > MAX_ATTACHMENT_BYTES:
            await self.send(target, too_big)
            return
        file = await document.get_file()
        content = bytes(await file.download_as_bytearray())
        if len(content) > MAX_ATTACHMENT_BYTES:
            await self.send(target, too_big)
            return
        attachment = Attachment(name, content, document.mime_type)
        ctx = await self.context_for(update, attachment)
        reply = await self.dispatcher.handle(ctx, command.line)
        await self.send(target, reply)

    async def run(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        command: CommandLine,
        target: Target,
    ) -> None:
        """Run a command line; a guided command without its arguments asks for them."""
        ctx = await self.context_for(update)
        guided = await self.guided_answers(command, ctx)
        if guided is not None:
            await self.ask(context, ctx, *guided, target)
            return
        reply = await self.dispatcher.handle(ctx, command.line)
        await self.send(target, reply, Page(0, ctx.user_id, command.line))

    # -- guided flows ------------------------------------------------------------------------

    async def guided_answers(
        self, command: CommandLine, ctx: CommandContext
    ) -> tuple[tuple[Command, ...], tuple[str, ...]] | None:
        """The (sub)command a guided command fills in and the answers it already has, or None
        when it runs as it is. A command asks when a required parameter is missing: it came
        without arguments, or with only the title where more follows (/review Okja: the
        stars). Admin commands ask admins only: the core tells anyone else no."""
        found = self.dispatcher.leaf_of(command.line)
        if found is None or (found[0][0].admin_only and not ctx.is_admin):
            return None
        path, rest = found
        required = required_params(path[-1])
        if not required:
            return None
        if not rest:
            return path, ()
        if len(required) > 1 and required[0].kind is TITLE:
            snap = await self.dispatcher.core.catalog.get()
            title = title_without_rating(snap, rest)
            return (path, (title,)) if title is not None else None
        return None

    async def ask(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        ctx: CommandContext,
        path: tuple[Command, ...],
        answers: tuple[str, ...],
        target: Target,
    ) -> None:
        param = next_param(path, answers)
        assert param is not None
        question = param.ask()
        if "{title}" in question:
            try:
                _snap, title, _notes = await self.dispatcher.core.resolve(answers[0])
            except UserError as error:
                await self.send(target, error_reply(error, command_words(path)))
                return
            question = question.replace("{title}", self.dispatcher.core.label(title))
        text = escape(question)
        if ctx.is_group:  # the mention makes a selective ForceReply open for this user only
            mention = escape(ctx.display_name)  # a channel or the group: no user to link
            if is_user_id(ctx.user_id):
                mention = f'<a href="tg://user?id={ctx.user_id}">{mention}</a>'
            text = f"{mention}, {text[0].lower()}{text[1:]}"
        prompt = await self.bot.send_message(
            target.chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder(param)),
            reply_parameters=(
                ReplyParameters(target.reply_to, allow_sending_without_reply=True)
                if target.reply_to
                else None
            ),
            message_thread_id=target.thread_id,
        )
        flows_of(context.chat_data)[ctx.user_id] = Flow(
            path, answers, prompt.message_id, time.monotonic()
        )

    async def answer_flow(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow, message: Message
    ) -> None:
        answer = (message.text or "").strip()
        target = Target.of(message, _is_group(message))
        ctx = await self.context_for(update)
        answered = next_param(flow.path, flow.answers)
        answers = (*flow.answers, answer)
        more = next_param(flow.path, answers) is not None
        if answered is not None and answered.kind is TITLE and more:
            # Pin the title down before asking for the rest, so a typo is caught now.
            try:
                _snap, title, _notes = await self.dispatcher.core.resolve(answer, write=True)
            except UserError as error:
                await self.send(target, error_reply(error, flow.command))
                return
            answers = (*flow.answers, f"#{title.id}")
        if more:
            await self.ask(context, ctx, flow.path, answers, target)
            return
        line = completed_line(flow.path, answers)
        reply = await self.dispatcher.handle(ctx, line)
        await self.send(target, reply, Page(0, ctx.user_id, line))

    # -- buttons -----------------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        pressed = callbacks.parse(query.data or "")
        if pressed is None:
            await query.answer("This button no longer works. Send the command again.", True)
            return
        ctx = await self.context_for(update)
        message = query.message if isinstance(query.message, Message) else None
        if isinstance(pressed, callbacks.Rate):
            reply = await self.dispatcher.handle(ctx, pressed.command)
            await query.answer(_toast(reply), show_alert=reply.is_error)
            return
        if isinstance(pressed, callbacks.TurnPage):
            if pressed.owner != ctx.user_id:
                await query.answer(
                    f"Only the person who asked can turn these pages. Send {pressed.command} "
                    "for your own.",
                    show_alert=True,
                )
                return
            page = Page(pressed.page, pressed.owner, pressed.command)
            await self._show_in_place(query, ctx, pressed.command, page)
            return
        if isinstance(pressed, callbacks.InPlace):  # a shared list's page: anyone turns it
            page = Page(0, ctx.user_id, pressed.command)
            await self._show_in_place(query, ctx, pressed.command, page)
            return
        if isinstance(pressed, callbacks.OwnCommand):
            if pressed.owner != ctx.user_id:
                await query.answer(
                    "These buttons are for the person who asked. Send the command yourself "
                    "for your own.",
                    show_alert=True,
                )
                return
            if pressed.in_place or message is None:
                page = Page(0, pressed.owner, pressed.command)
                await self._show_in_place(query, ctx, pressed.command, page)
                return
        if message is None and is_watchlist_add(pressed.command):
            # On a card shared through inline mode: a toast for the presser, the card stays.
            reply = await self.dispatcher.handle(ctx, pressed.command)
            await query.answer(_toast(reply), show_alert=reply.is_error)
            return
        if message is None:  # a card shared through inline mode: answer in place
            line = pressed.command
            await self._show_in_place(query, ctx, line, Page(0, ctx.user_id, line))
            return
        command = parse_command(pressed.command)
        if command is None:
            await query.answer()
            return
        target = Target.of(message, False)
        guided = await self.guided_answers(command, ctx)
        if guided is not None:  # e.g. "/review #12" from a "which one?" button: ask for stars
            await query.answer()
            await self.ask(context, ctx, *guided, target)
            return
        reply = await self.dispatcher.handle(ctx, command.line)
        if reply.is_error:
            await query.answer(_toast(reply), show_alert=True)
            return
        await query.answer()
        await self.send(target, reply, Page(0, ctx.user_id, command.line))

    async def _show_in_place(
        self, query: CallbackQuery, ctx: CommandContext, line: str, page: Page
    ) -> None:
        reply = await self.dispatcher.handle(ctx, line)
        if reply.is_error:  # e.g. the title was deleted since the button was made
            await query.answer(_toast(reply), show_alert=True)
            return
        await query.answer()
        await self.sender.edit(query, reply, page)

    # -- inline mode, polls, errors ----------------------------------------------------------

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        if query is None:
            return
        user = query.from_user
        ctx = CommandContext(
            platform=PLATFORM,
            user_id=str(user.id),
            display_name=user.full_name,
            chat_id=str(user.id),
            language=user.language_code,
        )
        if self.titles is None:  # no /title cards to offer
            await query.answer([], cache_time=30, is_personal=False)
            return
        cards = await title_cards(self.titles, ctx, query.query, MAX_CARDS)
        results = []
        for reply in cards:
            assert reply.card is not None
            rendered = render(reply, with_photo=False)
            results.append(
                InlineQueryResultArticle(
                    id=str(reply.card.title_id),
                    title=reply.card.heading,
                    description=reply.card.subheading,
                    input_message_content=InputTextMessageContent(
                        rendered.messages[0].html,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=NO_PREVIEW,
                    ),
                    reply_markup=rendered.messages[-1].keyboard,
                    thumbnail_url=reply.card.poster_url,
                )
            )
        await query.answer(results, cache_time=30, is_personal=False)

    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        if answer is None or self.tracker is None:
            return
        if answer.user is not None:
            voter_id, name = answer.user.id, answer.user.full_name
        elif answer.voter_chat is not None:  # an anonymous admin voting as the group
            voter_id, name = answer.voter_chat.id, answer.voter_chat.title or ""
        else:
            return
        voter = CommandContext(
            platform=PLATFORM, user_id=str(voter_id), display_name=name or str(voter_id), chat_id=""
        )
        reply = await self.tracker.poll_answered(
            PLATFORM, answer.poll_id, voter, tuple(answer.option_ids)
        )
        if reply is not None and answer.user is not None:
            # e.g. the vote came after voting closed: tell the voter privately, if they have
            # ever started a chat with the bot (Telegram refuses otherwise).
            try:
                await self.sender.send(answer.user.id, reply)
            except (Forbidden, BadRequest) as error:
                log.info("could not tell voter %s: %s", answer.user.id, error)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Logged and survived: the process keeps polling or serving the webhook.
        if isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest):
            log.warning("telegram network error: %s", context.error)
        else:
            log.error("telegram update failed: %s", context.error, exc_info=context.error)


def build_application(
    settings: Settings,
    dispatcher: Dispatcher,
    base_url: str | None = None,
    polls: PollEvents | None = None,
    rate_limiter: ChatRateLimiter | None = None,
    inbox: UpdateInbox | None = None,
    titles: Titles | None = None,
) -> Application:  # type: ignore[type-arg]
    """`base_url`: a Bot API server other than api.telegram.org (default: the setting
    TELEGRAM_API_BASE_URL). `polls`: records votes on the polls replies open. `rate_limiter`:
    other flood limits than Telegram's (a self-hosted Bot API server, a test). `inbox`: store
    updates on receipt, so a crash loses none (serve handles what a crash left first). `titles`:
    the /title cards inline mode answers with (without them, inline queries list nothing)."""
    builder = ApplicationBuilder().token(settings.require("TELEGRAM_TOKEN"))
    base = (base_url or settings.telegram_api_base_url or "").rstrip("/")
    if base:
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    # Chats are independent: updates of different chats run side by side (each chat's in
    # order), and a flood wait holds back only the chat it is for.
    if inbox is not None:
        builder = builder.update_queue(DurableUpdateQueue(inbox))
    handled = inbox.handled if inbox is not None else None
    builder = builder.concurrent_updates(PerChatUpdateProcessor(handled=handled))
    application = builder.rate_limiter(rate_limiter or ChatRateLimiter(max_retries=3)).build()
    front = TelegramFrontEnd(settings, dispatcher, application.bot, polls, titles)
    application.bot_data["reelbot"] = front
    only_new = filters.UpdateType.MESSAGE  # edits of old messages are not new commands
    application.add_handler(MessageHandler(only_new & filters.TEXT, front.on_message))
    application.add_handler(MessageHandler(only_new & filters.Document.ALL, front.on_document))
    application.add_handler(CallbackQueryHandler(front.on_button))
    application.add_handler(InlineQueryHandler(front.on_inline_query))
    application.add_handler(PollAnswerHandler(front.on_poll_answer))
    application.add_error_handler(front.on_error)
    return application


def front_end(application: Application) -> TelegramFrontEnd:  # type: ignore[type-arg]
    """The handlers' shared state, e.g. `.messenger` for the watch-party scheduler."""
    front = application.bot_data["reelbot"]
    assert isinstance(front, TelegramFrontEnd)
    return front
