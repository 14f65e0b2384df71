"""The real python-telegram-bot Application against a local fake Bot API server, driven the
way members use the bot: commands in private chats and groups, guided replies, buttons, inline
mode, documents, polls, and the webhook."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import update
from telegram.constants import PollLimit

from bot.app import App
from bot.core.context import CommandContext
from bot.core.declaration import Command, usage
from bot.core.dispatch import HELP
from bot.core.replies import Item, Poll, PollOption, Reply
from bot.features.recommend import commands as recommend
from bot.features.reviews import commands as reviews
from bot.features.watchparty.parties import WATCHPARTY
from bot.settings import Settings
from bot.telegram_adapter.handlers import MAX_ATTACHMENT_BYTES, build_application, front_end
from bot.telegram_adapter.render import MAX_CAPTION, MAX_MESSAGE, PAGE_SIZE, render
from bot.telegram_adapter.server import Webhook, serve
from db import models as m
from tests.adapters.fake_telegram import GROUP_ID, Failure, FakeTelegram, Sent
from tests.support import rating_rows, title_id

MEMBER_COMMANDS = (HELP, *recommend.COMMANDS, *reviews.COMMANDS)  # every chat has these
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class RecordedPolls:
    """Stands in for the watch-party core on the far side of PollEvents."""

    opened: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    answers: list[tuple[str, str, str, tuple[int, ...]]] = field(default_factory=list)

    async def poll_opened(
        self, key: str, platform: str, chat_id: str, platform_poll_id: str, message_id: str
    ) -> None:
        self.opened.append((key, platform, chat_id, platform_poll_id, message_id))

    async def poll_answered(
        self,
        platform: str,
        platform_poll_id: str,
        voter: CommandContext,
        option_indices: Sequence[int],
    ) -> Reply | None:
        self.answers.append((platform, platform_poll_id, voter.user_id, tuple(option_indices)))
        if voter.user_id == "9":
            return Reply(text="Voting has closed for this party.", kind="error")
        return None


@dataclass
class Bot:
    """One running Application over the test's App; `restart` builds a new one."""

    fake: FakeTelegram
    app: App
    settings: Settings
    polls: RecordedPolls = field(default_factory=RecordedPolls)
    webhook: Webhook | None = None
    application: Any = None
    task: asyncio.Task[None] | None = None
    stop_event: asyncio.Event | None = None

    async def start(self) -> None:
        menus = len(self.fake.all("setMyCommands"))
        self.application = build_application(
            self.settings,
            self.app.dispatcher,
            self.fake.base_url,
            self.polls,
            titles=self.app.recommend.titles,
        )
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(
            serve(self.application, self.stop_event, poll_timeout=1, webhook=self.webhook)
        )
        await self.fake.wait_for("setMyCommands", menus + len(self.menu_scopes()))

    def menu_scopes(self) -> list[str]:
        """The menus set at start: everyone's, group admins', each Telegram owner's chat."""
        owners = [
            o
            for o in self.settings.owner_ids
            if o.startswith("telegram:") and int(o.split(":")[1]) not in self.fake.unknown_chats
        ]
        return ["default", "all_chat_administrators", *(["chat"] * len(owners))]

    async def stop(self) -> None:
        assert self.stop_event is not None and self.task is not None
        self.stop_event.set()
        await asyncio.wait_for(self.task, 15)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def bot(app: App, fake: FakeTelegram) -> AsyncIterator[Bot]:
    """Not started: a test may register commands or change settings first."""
    running = Bot(fake, app, replace(app.settings, telegram_token=fake.token))
    yield running
    if running.task is not None and not running.task.done():
        await running.stop()


@pytest.fixture
async def telegram(bot: Bot) -> FakeTelegram:
    await bot.start()
    return bot.fake


async def ask(fake: FakeTelegram, text: str, method: str = "sendMessage", **kw: Any) -> Sent:
    """Send `text` as a user and return what the bot answers with."""
    seen = len(fake.all(method))
    fake.send_text(text, **kw)
    return (await fake.wait_for(method, seen + 1))[seen]


async def eventually(check: Callable[[], object], seconds: float = 10) -> None:
    """For effects with no message to wait for (a vote recorded)."""
    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not get there in time")


def assert_balanced_html(html: str) -> None:
    """Every tag the renderer opens is closed in the same message (Telegram refuses others)."""
    for tag in ("b", "i", "pre", "tg-spoiler", "a"):
        opened = len(re.findall(rf"<{tag}[ >]", html))
        assert opened == html.count(f"</{tag}>"), f"unbalanced <{tag}> in {html!r}"


async def set_poster(app: App, tid: int, url: str) -> None:
    async with app.db.unit_of_work(write=True) as repos:
        await repos.session.execute(update(m.Title).where(m.Title.id == tid).values(poster_url=url))
        await repos.catalog.bump_revision()
    app.core.catalog.invalidate()


# -- commands ---------------------------------------------------------------------------------


async def test_menu_lists_every_command_including_feature_modules(app: App, bot: Bot) -> None:
    async def ping(ctx: CommandContext, args: str) -> Reply:
        return Reply(text="pong")

    app.dispatcher.register(Command("ping", "check the bot is awake", example="/ping"), ping)
    await bot.start()
    everyone, admins = bot.fake.all("setMyCommands")
    assert everyone.params["scope"] == {"type": "default"}
    listed = {c["command"]: c["description"] for c in everyone.params["commands"]}
    assert listed == {c.name: c.description for c in app.dispatcher.commands if not c.admin_only}
    assert "ping" in listed and {c.name for c in MEMBER_COMMANDS} <= set(listed)
    assert {"watchparty", "vote", "settings", "import"} <= set(listed)
    assert "pong" in (await ask(bot.fake, "/ping")).text
    # /admin is advertised to group administrators only; everything else is there too.
    assert "admin" not in listed
    assert admins.params["scope"] == {"type": "all_chat_administrators"}
    for_admins = {c["command"] for c in admins.params["commands"]}
    assert for_admins == set(listed) | {"admin"}


async def test_owners_get_the_admin_menu_in_their_private_chat(app: App, bot: Bot) -> None:
    bot.settings = replace(
        bot.settings, owner_ids=frozenset({"telegram:5", "discord:9", "telegram:77"})
    )
    bot.fake.unknown_chats.add(77)  # this owner never opened a chat with the bot
    await bot.start()
    menus = bot.fake.all("setMyCommands")
    assert [m.params["scope"]["type"] for m in menus] == bot.menu_scopes()
    assert menus[2].params["scope"]["chat_id"] == 5
    assert all("admin" in {c["command"] for c in m.params["commands"]} for m in menus[1:])
    await eventually(lambda: bot.fake.calls["setMyCommands"] == 4)  # 77: tried, refused, logged
    assert "Rain Man" in (await ask(bot.fake, "/search rain man")).text  # the bot still runs


@pytest.mark.parametrize("spec", MEMBER_COMMANDS, ids=lambda s: s.name)
async def test_every_core_command_answers_in_html(telegram: FakeTelegram, spec: Command) -> None:
    sent = await ask(telegram, spec.example)
    assert sent.params["parse_mode"] == "HTML"
    assert "⚠️" not in sent.text, sent.text
    assert_balanced_html(sent.text)


async def test_start_greets_with_the_command_list(telegram: FakeTelegram) -> None:
    sent = await ask(telegram, "/start")
    assert "/recommend" in sent.text and "/review" in sent.text


async def test_recommend_then_press_a_button(telegram: FakeTelegram) -> None:
    sent = await ask(telegram, "/recommend Miracle in Cell No. 7")
    assert "Prison Playbook" in sent.text and "I Am Sam" in sent.text
    assert all(0 < len(b["callback_data"].encode()) <= 64 for b in sent.buttons)
    telegram.press(sent, sent.button("ℹ 1"))
    card = await telegram.next_sent("sendMessage")
    assert "🎬" in card.text
    assert {"More like this", "Where to watch", "1★", "5★"} <= {b["text"] for b in card.buttons}


async def test_groups_answer_commands_addressed_to_this_bot_only(telegram: FakeTelegram) -> None:
    sent = await ask(telegram, "/search@reelbot_bot <b>miracle</b> & cell", chat_id=GROUP_ID)
    assert "&lt;b&gt;miracle&lt;/b&gt; &amp; cell" in sent.text
    assert "<b>miracle</b>" not in sent.text
    assert sent.params["reply_parameters"]["message_id"]  # threads under the command

    telegram.send_text("/search@other_bot okja", chat_id=GROUP_ID)
    telegram.send_text("/weather", chat_id=GROUP_ID)  # another bot's command
    sent = await ask(telegram, "/title@reelbot_bot okja", chat_id=GROUP_ID)
    assert "Okja" in sent.text
    assert len(telegram.all("sendMessage")) == 2

    unknown = await ask(telegram, "/weather")  # in a private chat it gets an answer
    assert "I don't know /weather" in unknown.text


async def test_plain_words_in_a_private_chat_search(telegram: FakeTelegram) -> None:
    sent = await ask(telegram, "prison playbok")
    assert "Prison Playbook" in sent.text


# -- guided flows -----------------------------------------------------------------------------


async def test_review_without_arguments_asks_for_title_then_rating(
    app: App, telegram: FakeTelegram
) -> None:
    prompt = await ask(telegram, "/review")
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert "which title" in prompt.text.lower()
    second = await ask(telegram, "prison playbok", reply_to=prompt)
    assert second.params["reply_markup"]["force_reply"] is True
    assert "Prison Playbook (2017)" in second.text
    done = await ask(telegram, "4.5 funny and warm", reply_to=second)
    assert "Rated Prison Playbook (2017)" in done.text
    tid = await title_id(app, "Prison Playbook", 2017)
    assert ("42", tid, 9, "funny and warm", False) in await rating_rows(app)


@pytest.mark.parametrize("title", ["Prison Playbook", "prison playbook (2017)"])
async def test_review_with_a_title_but_no_rating_asks_for_the_stars(
    app: App, telegram: FakeTelegram, title: str
) -> None:
    prompt = await ask(telegram, f"/review {title}")
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert "How many stars for Prison Playbook (2017)?" in prompt.text, prompt.text
    done = await ask(telegram, "4.5", reply_to=prompt)
    assert "Rated Prison Playbook (2017)" in done.text, done.text
    tid = await title_id(app, "Prison Playbook", 2017)
    assert ("42", tid, 9, None, False) in await rating_rows(app)


async def test_the_admin_stats_card_has_no_rating_buttons(app: App, bot: Bot) -> None:
    bot.settings = replace(bot.settings, owner_ids=frozenset({"telegram:42"}))
    await bot.start()
    stats = await ask(bot.fake, "/admin stats")
    assert "Catalog stats" in stats.text, stats.text
    assert not any("★" in b["text"] for b in stats.buttons), stats.buttons


@pytest.mark.parametrize(
    ("command", "answer", "expected"),
    [
        ("/title", "parasite", "🎬"),
        ("/where", "Prison Playbook US", "Where to watch Prison Playbook"),
        ("/reviews", "okja", "Okja"),
        ("/search", "miracle cell", "Miracle in Cell No. 7"),
    ],
)
async def test_commands_missing_their_title_ask_for_it(
    telegram: FakeTelegram, command: str, answer: str, expected: str
) -> None:
    prompt = await ask(telegram, command)
    assert prompt.params["reply_markup"]["force_reply"] is True
    sent = await ask(telegram, answer, reply_to=prompt)
    assert expected in sent.text


async def test_help_and_the_menu_are_the_declarations(app: App, telegram: FakeTelegram) -> None:
    everyone = telegram.all("setMyCommands")[0]
    described = {c["command"]: c["description"] for c in everyone.params["commands"]}
    declared = {c.name: c for c in app.dispatcher.commands}
    assert all(described[name] == declared[name].description for name in described)
    shown = (await ask(telegram, "/help")).text  # the first page of the list
    for command in app.dispatcher.commands[:PAGE_SIZE]:
        assert html.escape(usage((command,)), quote=False) in shown, command.name
    party = (await ask(telegram, "/help watchparty")).text
    for path, _leaf in WATCHPARTY.leaves():
        assert html.escape(usage(path), quote=False) in party


async def test_a_missing_setting_is_asked_with_the_declared_question(
    app: App, telegram: FakeTelegram
) -> None:
    found = app.dispatcher.leaf_of("/settings region")
    assert found is not None
    [value] = found[0][-1].params
    prompt = await ask(telegram, "/settings region")
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert prompt.text == html.escape(value.question, quote=False)
    assert prompt.params["reply_markup"]["input_field_placeholder"] == "KR"
    done = await ask(telegram, "kr", reply_to=prompt)
    assert "Region set to KR (South Korea)" in done.text


async def test_an_admin_subcommand_asks_for_each_required_parameter(app: App, bot: Bot) -> None:
    bot.settings = replace(bot.settings, owner_ids=frozenset({"telegram:42"}))
    await bot.start()
    title = await ask(bot.fake, "/admin where add")
    assert title.text == "Which title?"
    service = await ask(bot.fake, "okja", reply_to=title)
    assert service.text == "On which service? e.g. Netflix or Viki."
    region = await ask(bot.fake, "Viki", reply_to=service)
    assert "In which country?" in region.text
    done = await ask(bot.fake, "CA", reply_to=region)
    assert "Okja (2017): stream on Viki in Canada (CA)." in done.text, done.text
    # Members are not walked through admin commands: the core says no at once.
    refused = await ask(bot.fake, "/admin where add", user_id=7)
    assert "force_reply" not in str(refused.params.get("reply_markup"))
    assert "admin" in refused.text.lower()


async def test_in_a_group_only_a_reply_to_the_question_answers_it(
    app: App, telegram: FakeTelegram
) -> None:
    prompt = await ask(telegram, "/review", chat_id=GROUP_ID)
    assert prompt.params["reply_markup"]["selective"] is True
    assert 'href="tg://user?id=42"' in prompt.text  # so only the asker gets the reply field
    telegram.send_text("okja is on tonight", chat_id=GROUP_ID)  # chatter, not an answer
    telegram.send_text("okja", chat_id=GROUP_ID, user_id=7, reply_to=prompt)  # someone else
    second = await ask(telegram, "okja", chat_id=GROUP_ID, reply_to=prompt)
    assert "how many stars for Okja" in second.text
    done = await ask(telegram, "8/10", chat_id=GROUP_ID, reply_to=second)
    assert "Rated Okja" in done.text
    assert len(telegram.all("sendMessage")) == 3


async def test_a_typo_in_the_guided_title_offers_choices_that_continue(
    telegram: FakeTelegram,
) -> None:
    prompt = await ask(telegram, "/review")
    choices = await ask(telegram, "prison", reply_to=prompt)  # several titles start so
    assert "Did you mean" in choices.text
    telegram.press(choices, choices.button("Prison Playbook (2017, South Korea)"))
    stars = await telegram.next_sent("sendMessage")
    assert "How many stars for Prison Playbook (2017)" in stars.text
    done = await ask(telegram, "5", reply_to=stars)
    assert "Rated Prison Playbook (2017)" in done.text


async def test_a_new_command_abandons_the_question(telegram: FakeTelegram) -> None:
    await ask(telegram, "/title")
    sent = await ask(telegram, "/myratings")
    assert "haven't rated" in sent.text
    sent = await ask(telegram, "okja")  # no longer an answer: a plain search
    assert "Titles matching" in sent.text


# -- rendering ------------------------------------------------------------------------------------


async def test_hostile_text_is_escaped_everywhere(app: App, telegram: FakeTelegram) -> None:
    hostile = '<a href="tg://x">click</a> & <b>bold'
    done = await ask(telegram, f"/review Okja | 4 | {hostile}", name="<i>Mina</i>")
    assert "Rated Okja" in done.text
    sent = await ask(telegram, "/reviews okja")
    assert '&lt;a href="tg://x"&gt;click&lt;/a&gt; &amp; &lt;b&gt;bold' in sent.text
    assert "&lt;i&gt;Mina&lt;/i&gt;" in sent.text
    assert_balanced_html(sent.text)
    prompt = await ask(telegram, "/title", name="<i>Mina</i>", chat_id=GROUP_ID)
    assert "&lt;i&gt;Mina&lt;/i&gt;" in prompt.text


def test_long_replies_split_at_line_boundaries() -> None:
    items = tuple(
        Item(f"title {n} " + "x" * 80, "reason <&>", spoiler=n % 2 == 0) for n in range(200)
    )
    messages = render(Reply(text="many", items=items)).messages
    assert len(messages) > 1
    assert all(len(m.html) <= MAX_MESSAGE for m in messages)
    for message in messages:
        assert_balanced_html(message.html)
    joined = "\n".join(m.html for m in messages)
    assert joined.count("reason &lt;&amp;&gt;") == 200
    assert [n for n in range(1, 201) if f"\n{n}. <b>title" not in "\n" + joined] == []


def test_one_overlong_line_is_cut_between_words_with_its_tags_closed() -> None:
    detail = " ".join(f"word{n}&" for n in range(2000))  # ~14,000 characters escaped
    messages = render(Reply(items=(Item("t", detail, spoiler=True),))).messages
    assert len(messages) >= 3
    for message in messages:
        assert len(message.html) <= MAX_MESSAGE
        assert_balanced_html(message.html)
    joined = " ".join(m.html for m in messages)
    assert joined.count("&amp;") == 2000


async def test_a_long_card_becomes_several_messages(app: App, bot: Bot) -> None:
    body = "\n".join(f"paragraph {n} <&> " + "y" * 200 for n in range(60))

    async def longcard(ctx: CommandContext, args: str) -> Reply:
        reply = await app.recommend.titles.title(ctx, "okja")
        assert reply.card is not None
        return replace(reply, card=replace(reply.card, body=body))

    app.dispatcher.register(Command("longcard", "a long card", example="/longcard"), longcard)
    await bot.start()
    bot.fake.send_text("/longcard")
    await bot.fake.wait_for("sendMessage", 4)
    await asyncio.sleep(0.3)
    parts = bot.fake.all("sendMessage")
    assert len(parts) >= 4 and all(len(p.text) <= MAX_MESSAGE for p in parts)
    for part in parts:
        assert_balanced_html(part.text)
    joined = "\n".join(p.text for p in parts)
    assert joined.count("&lt;&amp;&gt;") == 60  # nothing lost or cut inside an entity
    assert [bool(p.buttons) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_a_poster_is_sent_as_a_photo_with_the_card_as_caption(
    app: App, telegram: FakeTelegram
) -> None:
    tid = await title_id(app, "Okja", 2017)
    await set_poster(app, tid, "https://img.example/okja.jpg")
    photo = await ask(telegram, "/title okja", method="sendPhoto")
    assert photo.params["photo"] == "https://img.example/okja.jpg"
    assert "🎬 <b>Okja (2017)</b>" in photo.text
    assert len(photo.text) <= MAX_CAPTION
    await asyncio.sleep(0.3)
    rest = telegram.all("sendMessage")
    buttons = rest[-1].buttons if rest else photo.buttons
    assert {"More like this", "Where to watch"} <= {b["text"] for b in buttons}

    # Telegram cannot fetch the poster: the card still arrives, as text.
    telegram.fail_next("sendPhoto", Failure(400, "Bad Request: failed to get HTTP URL content"))
    card = await ask(telegram, "/title okja")
    assert "🎬 <b>Okja (2017)</b>" in card.text


# -- buttons ----------------------------------------------------------------------------------


async def test_star_buttons_rate_the_title(app: App, telegram: FakeTelegram) -> None:
    card = await ask(telegram, "/title Prison Playbook")
    telegram.press(card, card.button("4★"))
    answer = await telegram.next_sent("answerCallbackQuery")
    assert "Rated Prison Playbook (2017)" in answer.params["text"]
    tid = await title_id(app, "Prison Playbook", 2017)
    assert ("42", tid, 8, None, False) in await rating_rows(app)


async def watchlist_of(app: App, telegram_user: str) -> set[int]:
    async with app.db.unit_of_work() as repos:
        user_id = await repos.users.find("telegram", telegram_user)
        return await repos.watchlist.title_ids(user_id) if user_id is not None else set()


async def press_for_message(
    telegram: FakeTelegram, message: Sent, data: str, user_id: int = 42, name: str = "Mina"
) -> Sent:
    seen = len(telegram.all("sendMessage"))
    telegram.press(message, data, user_id=user_id, name=name)
    return (await telegram.wait_for("sendMessage", seen + 1))[seen]


async def test_the_watchlist_button_on_a_card_adds_for_whoever_pressed(
    app: App, telegram: FakeTelegram
) -> None:
    card = await ask(telegram, "/title Okja", chat_id=GROUP_ID)
    rows = card.params["reply_markup"]["inline_keyboard"]
    assert len(rows) <= 3, [[b["text"] for b in row] for row in rows]
    okja = await title_id(app, "Okja", 2017)
    data = card.button("+ Watchlist")
    assert data == f"/watchlist add #{okja}"

    added = await press_for_message(telegram, card, data, user_id=7, name="Jun")
    assert "Added Okja (2017) to Jun's watchlist." in added.text  # said in the group
    assert await watchlist_of(app, "7") == {okja}
    assert await watchlist_of(app, "42") == set()  # the member who asked for the card

    again = await press_for_message(telegram, card, data, user_id=7, name="Jun")
    assert "already on Jun's watchlist" in again.text
    removed = await press_for_message(telegram, again, again.button("Remove"), user_id=7)
    assert "Removed Okja (2017)" in removed.text
    assert await watchlist_of(app, "7") == set()


async def test_the_watchlist_button_on_a_shared_card_answers_with_a_toast(
    app: App, telegram: FakeTelegram
) -> None:
    telegram.inline_query("okja")
    answer = await telegram.next_sent("answerInlineQuery")
    buttons = [
        b for row in answer.params["results"][0]["reply_markup"]["inline_keyboard"] for b in row
    ]
    data = next(b["callback_data"] for b in buttons if b["text"] == "+ Watchlist")
    seen = len(telegram.all("answerCallbackQuery"))
    telegram.press_inline("inline-1", data, user_id=9)
    [toast] = (await telegram.wait_for("answerCallbackQuery", seen + 1))[seen:]
    assert toast.params["text"] == "Added Okja (2017) to your watchlist."
    assert await watchlist_of(app, "9") == {await title_id(app, "Okja", 2017)}
    assert not telegram.all("editMessageText")  # the shared card stays as it was


async def test_buttons_keep_working_after_a_restart(bot: Bot, telegram: FakeTelegram) -> None:
    card = await ask(telegram, "/title Miracle in Cell No. 7")
    await bot.restart()
    telegram.press(card, card.button("Where to watch"))
    where = await telegram.next_sent("sendMessage")
    assert "Where to watch Miracle in Cell No. 7" in where.text
    telegram.press(card, card.button("5★"))
    answer = await telegram.next_sent("answerCallbackQuery")
    assert "Rated Miracle in Cell No. 7" in answer.params["text"]


async def test_a_button_on_a_deleted_title_answers_politely(
    app: App, telegram: FakeTelegram
) -> None:
    card = await ask(telegram, "/title okja")
    tid = await title_id(app, "Okja", 2017)
    async with app.db.unit_of_work(write=True) as repos:
        await repos.catalog.remove_title(tid)
        await repos.catalog.bump_revision()
    app.core.catalog.invalidate()
    for label in ("More like this", "3★"):
        telegram.press(card, card.button(label))
        answer = await telegram.next_sent("answerCallbackQuery")
        assert answer.params["text"] == "That title is no longer in the catalog."
        assert answer.params["show_alert"] is True
    assert len(telegram.all("sendMessage")) == 1


async def test_old_or_forged_button_data_is_refused_politely(telegram: FakeTelegram) -> None:
    card = await ask(telegram, "/title okja")
    telegram.press(card, "v0:unknown")
    answer = await telegram.next_sent("answerCallbackQuery")
    assert "no longer works" in answer.params["text"]


async def test_long_lists_turn_pages_in_place(app: App, bot: Bot) -> None:
    """A long list the core does not page itself is paged by the renderer."""

    async def longlist(ctx: CommandContext, args: str) -> Reply:
        return Reply(text="many", items=tuple(Item(f"entry {n}") for n in range(PAGE_SIZE + 3)))

    app.dispatcher.register(Command("longlist", "a long list", example="/x"), longlist)
    await bot.start()
    telegram = bot.fake
    first = await ask(telegram, "/longlist")
    assert "1. " in first.text and f"{PAGE_SIZE + 1}. " not in first.text
    assert "Page 1 of 2" in first.text
    data = first.button("Next ▶")
    assert len(data.encode()) <= 64

    await bot.restart()  # pages are stateless too
    telegram.press(first, data)
    edit = await telegram.next_sent("editMessageText")
    assert int(edit.params["message_id"]) == first.result["message_id"]
    assert f"{PAGE_SIZE + 1}. " in edit.params["text"] and "Page 2 of 2" in edit.params["text"]
    back = [b for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in back] == ["◀ Previous"]

    telegram.press(first, data, user_id=7, name="Jun")  # someone else's list
    answer = await telegram.next_sent("answerCallbackQuery")
    assert (
        answer.params["show_alert"] is True and "Only the person who asked" in answer.params["text"]
    )
    assert len(telegram.all("editMessageText")) == 1


async def test_myratings_pages_edit_the_message_and_remove_takes_only_the_askers(
    app: App, bot: Bot, telegram: FakeTelegram
) -> None:
    snap = await app.core.catalog.get()
    mina = CommandContext("telegram", "42", "Mina", "42")
    ids = sorted(snap.titles)[: PAGE_SIZE + 3]
    for n, tid in enumerate(ids):
        reply = await app.dispatcher.handle(mina, f"/review #{tid} 4 --on 2026-10-{n + 1:02d}")
        assert not reply.is_error, reply
    newest = ids[-1]
    jun = CommandContext("telegram", "7", "Jun", "7")
    await app.dispatcher.handle(jun, f"/review #{newest} 2")  # Jun rated Mina's newest too

    first = await ask(telegram, "/myratings")
    assert "1. " in first.text and "Page 1 of 2" in first.text
    assert "13 Oct 2026" in first.text
    data = first.button("Next ▶")
    assert len(data.encode()) <= 64
    await bot.restart()  # the buttons carry everything they need
    telegram.press(first, data)
    edit = await telegram.next_sent("editMessageText")
    assert int(edit.params["message_id"]) == first.result["message_id"]
    assert f"{PAGE_SIZE + 1}. " in edit.params["text"] and "Page 2 of 2" in edit.params["text"]
    labels = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["✕ 11", "✕ 12", "✕ 13", "◀ Previous"]

    # Jun can neither turn Mina's pages nor remove from her list.
    remove = first.button("✕ 1")
    for pressed in (data, remove):
        telegram.press(first, pressed, user_id=7, name="Jun")
        answer = await telegram.next_sent("answerCallbackQuery")
        assert answer.params["show_alert"] is True
        assert "for the person who asked" in answer.params["text"]
    assert len(telegram.all("editMessageText")) == 1
    assert len(await rating_rows(app)) == PAGE_SIZE + 4

    seen = len(telegram.all("sendMessage"))
    telegram.press(first, remove)  # one press, no "are you sure?"
    removed = (await telegram.wait_for("sendMessage", seen + 1))[seen]
    assert "Removed your rating of" in removed.text
    rows = await rating_rows(app)
    assert ("42", newest) not in [(u, t) for u, t, *_ in rows]
    assert ("7", newest, 4, None, False) in rows  # Jun's own rating of it stays
    assert len(rows) == PAGE_SIZE + 3

    telegram.press(removed, removed.button("Undo"))
    restored = (await telegram.wait_for("sendMessage", seen + 2))[seen + 1]
    assert "Restored your rating of" in restored.text
    assert len(await rating_rows(app)) == PAGE_SIZE + 4


async def test_own_spoilers_show_in_place_for_the_author_only(
    app: App, telegram: FakeTelegram
) -> None:
    await ask(telegram, "/review Okja 4 the pig lives --spoiler")
    mine = await ask(telegram, "/myratings")
    assert "<tg-spoiler>the pig lives</tg-spoiler>" in mine.text
    telegram.press(mine, mine.button("Show my spoilers"))
    edit = await telegram.next_sent("editMessageText")
    assert "the pig lives" in edit.params["text"] and "tg-spoiler" not in edit.params["text"]
    reviews = await ask(telegram, "/reviews Okja", user_id=7)
    assert "<tg-spoiler>the pig lives</tg-spoiler>" in reviews.text


def labels(sent: Sent) -> list[str]:
    return [b["text"] for row in sent.params["reply_markup"]["inline_keyboard"] for b in row]


async def test_watchlist_pages_edit_the_message_mine_for_me_the_chats_for_anyone(
    app: App, telegram: FakeTelegram
) -> None:
    snap = await app.core.catalog.get()
    ids = sorted(snap.titles)[: PAGE_SIZE + 3]
    mina = CommandContext("telegram", "42", "Mina", str(GROUP_ID), is_group=True)
    for tid in ids:
        for line in (f"/watchlist add #{tid}", f"/watchlist chat add #{tid}"):
            assert not (await app.dispatcher.handle(mina, line)).is_error

    mine = await ask(telegram, "/watchlist", chat_id=GROUP_ID)
    assert "Mina's watchlist" in mine.text and "Page 1 of 2" in mine.text
    turn, remove = mine.button("Next ▶"), mine.button("✕ 1")
    # Jun can neither turn Mina's pages nor take a title off her list.
    for pressed in (turn, remove):
        telegram.press(mine, pressed, user_id=7, name="Jun")
        answer = await telegram.next_sent("answerCallbackQuery")
        assert answer.params["show_alert"] is True
        assert "for the person who asked" in answer.params["text"]
    assert telegram.all("editMessageText") == []
    assert len(await watchlist_of(app, "42")) == PAGE_SIZE + 3
    assert await watchlist_of(app, "7") == set()

    telegram.press(mine, turn)
    edit = await telegram.next_sent("editMessageText")
    assert int(edit.params["message_id"]) == mine.result["message_id"]
    assert "Page 2 of 2" in edit.params["text"] and "Mina's watchlist" in edit.params["text"]
    assert {"✕ 3", "◀ Previous"} <= set(labels(edit)) and "Next ▶" not in labels(edit)
    assert len(telegram.all("sendMessage")) == 1  # no second message

    removed = await press_for_message(telegram, mine, remove)
    assert "Removed" in removed.text and "from Mina's watchlist" in removed.text
    assert len(await watchlist_of(app, "42")) == PAGE_SIZE + 2

    shared = await ask(telegram, "/watchlist chat", chat_id=GROUP_ID)
    assert "Page 1 of 2" in shared.text and not {"✕ 1"} & set(labels(shared))
    telegram.press(shared, shared.button("Next ▶"), user_id=7, name="Jun")  # anyone in the chat
    turned = await telegram.next_sent("editMessageText")
    assert int(turned.params["message_id"]) == shared.result["message_id"]
    assert "Page 2 of 2" in turned.params["text"] and "chat's watchlist" in turned.params["text"]


# -- inline mode ------------------------------------------------------------------------------


async def test_inline_query_lists_matching_title_cards(telegram: FakeTelegram) -> None:
    telegram.inline_query("miracle cell")
    answer = await telegram.next_sent("answerInlineQuery")
    results = answer.params["results"]
    assert 1 <= len(results) <= 50
    first = results[0]
    assert first["type"] == "article" and first["title"].startswith("Miracle in Cell No. 7")
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and "🎬" in content["message_text"]
    assert len({r["id"] for r in results}) == len(results)
    buttons = [b for row in first["reply_markup"]["inline_keyboard"] for b in row]
    where = next(b["callback_data"] for b in buttons if b["text"] == "Where to watch")

    telegram.press_inline("inline-1", where)  # someone presses it on the shared card
    edit = await telegram.next_sent("editMessageText")
    assert edit.params["inline_message_id"] == "inline-1"
    assert "Where to watch Miracle in Cell No. 7" in edit.params["text"]


async def test_where_and_inline_cards_use_the_members_own_region(telegram: FakeTelegram) -> None:
    saved = await ask(telegram, "/settings me region KR")
    assert "your setting" in saved.text
    where = await ask(telegram, "/where Prison Playbook")
    assert "Tving" in where.text and "No region set" not in where.text
    telegram.inline_query("prison playbook")
    answer = await telegram.next_sent("answerInlineQuery")
    card = answer.params["results"][0]["input_message_content"]["message_text"]
    assert "Tving" in card
    # Another member's /where is not steered by it.
    other = await ask(telegram, "/where Prison Playbook", user_id=43)
    assert "No region set" in other.text


async def test_an_inline_query_for_nothing_lists_nothing(telegram: FakeTelegram) -> None:
    telegram.inline_query("   ")
    answer = await telegram.next_sent("answerInlineQuery")
    assert answer.params["results"] == []


# -- admins and documents ---------------------------------------------------------------------


def _register_whoami(app: App) -> None:
    async def whoami(ctx: CommandContext, args: str) -> Reply:
        return Reply(text="admin" if ctx.is_admin else "member")

    app.dispatcher.register(Command("whoami", "admin or not", example="/whoami"), whoami)


async def test_admins_come_from_telegram_and_the_owner_list(app: App, bot: Bot) -> None:
    _register_whoami(app)
    bot.settings = replace(bot.settings, owner_ids=frozenset({"telegram:5"}))
    bot.fake.admins[GROUP_ID] = [7]
    await bot.start()
    fake = bot.fake
    assert (await ask(fake, "/whoami", chat_id=GROUP_ID, user_id=7)).text.endswith("admin</b>")
    assert "member" in (await ask(fake, "/whoami", chat_id=GROUP_ID, user_id=8)).text
    assert "admin" in (await ask(fake, "/whoami", chat_id=GROUP_ID, user_id=5)).text  # owner
    assert "member" in (await ask(fake, "/whoami", user_id=7)).text  # private: owners only
    assert "admin" in (await ask(fake, "/whoami", user_id=5)).text
    assert fake.calls["getChatAdministrators"] == 1  # cached for the next commands


async def test_documents_with_a_command_caption_reach_the_command(app: App, bot: Bot) -> None:
    """A Letterboxd export sent with /import letterboxd as its caption reaches the real import."""
    await bot.start()
    fake = bot.fake
    content = b"Date,Name,Year,Letterboxd URI,Rating\n2024-03-01,Okja,2017,https://boxd.it/x,4\n"
    fake.send_document("/import letterboxd", "ratings.csv", content)
    sent = await fake.next_sent("sendMessage")
    assert "Imported your Letterboxd history" in sent.text
    mine = await ask(fake, "/myratings")
    assert "Okja" in mine.text

    fake.send_document(
        "/import letterboxd", "huge.csv", b"x", claimed_size=MAX_ATTACHMENT_BYTES + 1
    )
    sent = await fake.next_sent("sendMessage")
    assert "too big" in sent.text and "20 MB" in sent.text
    assert fake.calls["getFile"] == 1  # the big one was never downloaded

    fake.send_document("", "notes.csv", content)
    sent = await fake.next_sent("sendMessage")
    assert "caption" in sent.text


async def test_group_admins_import_a_catalog_file_members_cannot(app: App, bot: Bot) -> None:
    bot.fake.admins[GROUP_ID] = [7]
    await bot.start()
    fake = bot.fake
    content = (
        b"show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
        b"listed_in,description\n"
        b"s1,Movie,A Telegram Import,,,France,,2022,,95 min,Dramas,New.\n"
        b"s2,Movie,Okja,,,,,2017,,120 min,Dramas,A pig.\n"
    )
    caption = "/admin import --provider Netflix --region US"
    fake.send_document(caption, "titles.csv", content, user_id=8, chat_id=GROUP_ID)
    refused = await fake.next_sent("sendMessage")
    assert "Admins only" in refused.text
    fake.send_document(caption, "titles.csv", content, user_id=7, chat_id=GROUP_ID)
    done = await fake.next_sent("sendMessage")
    assert "Imported titles.csv (streaming)" in done.text
    assert "1 added" in done.text and "1 merged" in done.text
    assert_balanced_html(done.text)
    found = await ask(fake, "/search a telegram import")
    assert "A Telegram Import" in found.text


# -- polls ------------------------------------------------------------------------------------


def _register_vote(app: App, options: int) -> None:
    async def party(ctx: CommandContext, args: str) -> Reply:
        return Reply(
            text="Movie night: pick one",
            poll=Poll(
                key="party:1",
                question="What do we watch on Friday?",
                options=tuple(PollOption(f"Film {n}", n) for n in range(1, options + 1)),
                closes_at=datetime.now(UTC) + timedelta(hours=2),
            ),
        )

    app.dispatcher.register(Command("party", "a vote", example="/party"), party)


async def test_polls_are_native_non_anonymous_and_votes_are_reported(app: App, bot: Bot) -> None:
    _register_vote(app, 3)
    await bot.start()
    fake = bot.fake
    fake.send_text("/party", chat_id=GROUP_ID)
    poll = await fake.next_sent("sendPoll")
    assert poll.params["is_anonymous"] is False
    assert [o if isinstance(o, str) else o["text"] for o in poll.params["options"]] == [
        "Film 1",
        "Film 2",
        "Film 3",
    ]
    closes = int(poll.params["close_date"])
    # Telegram's own close comes after the deadline (2 h): the bot stops it first, for the counts.
    assert 7000 + 600 < closes - datetime.now(UTC).timestamp() <= 7200 + 600
    poll_id = poll.result["poll"]["id"]
    message_id = str(poll.result["message_id"])
    await eventually(lambda: bot.polls.opened)
    assert bot.polls.opened == [("party:1", "telegram", str(GROUP_ID), poll_id, message_id)]

    fake.vote(poll, [1])
    fake.vote(poll, [], user_id=7)  # a retracted vote
    await eventually(lambda: len(bot.polls.answers) == 2)
    assert bot.polls.answers == [
        ("telegram", poll_id, "42", (1,)),
        ("telegram", poll_id, "7", ()),
    ]

    seen = len(fake.all("sendMessage"))
    fake.vote(poll, [0], user_id=9)  # too late: the core's answer goes to the voter privately
    late = (await fake.wait_for("sendMessage", seen + 1))[seen]
    assert int(late.params["chat_id"]) == 9 and "Voting has closed" in late.text

    messenger = front_end(bot.application).messenger
    assert messenger.platform == "telegram"
    await messenger.stop_poll(str(GROUP_ID), message_id)
    assert fake.all("stopPoll")[0].params["message_id"] in (message_id, int(message_id))
    await messenger.stop_poll(str(GROUP_ID), message_id)  # already closed: logged, no crash
    sent = await messenger.send(str(GROUP_ID), Reply(text="Film 2 wins"))
    assert sent is not None and sent.platform_poll_id is None
    assert "Film 2 wins" in fake.all("sendMessage")[-1].text

    # The scheduler posts a new vote through the messenger: it learns the poll's ids.
    reply = await app.dispatcher.handle(
        CommandContext("telegram", "42", "M", str(GROUP_ID)), "/party"
    )
    sent = await messenger.send(str(GROUP_ID), reply)
    second = fake.all("sendPoll")[-1]
    assert sent is not None
    assert sent.platform_poll_id == second.result["poll"]["id"]
    assert sent.message_id == str(second.result["message_id"])
    assert bot.polls.opened[-1][3] == sent.platform_poll_id


async def test_too_many_candidates_for_a_poll_get_a_clear_message(app: App, bot: Bot) -> None:
    _register_vote(app, PollLimit.MAX_OPTION_NUMBER + 2)
    await bot.start()
    sent = await ask(bot.fake, "/party", chat_id=GROUP_ID)
    assert f"at most {PollLimit.MAX_OPTION_NUMBER}" in sent.text
    assert f"{PollLimit.MAX_OPTION_NUMBER + 2}. <b>Film" in sent.text
    assert bot.fake.all("sendPoll") == []


# -- running ----------------------------------------------------------------------------------


async def test_telegram_and_network_errors_are_survived(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    telegram.fail_next("sendMessage", Failure(400, "Bad Request: chat not found"))
    telegram.send_text("/title okja")
    telegram.fail_next("sendMessage", Failure(0, "", network=True))
    telegram.send_text("/title okja")
    sent = await ask(telegram, "/title Parasite (2019)")
    assert "Parasite" in sent.text
    assert telegram.calls["sendMessage"] == 3
    assert "chat not found" in caplog.text.lower()


async def test_retry_after_is_waited_out(telegram: FakeTelegram) -> None:
    telegram.fail_next(
        "sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1)
    )
    started = asyncio.get_running_loop().time()
    sent = await ask(telegram, "/title okja")
    assert "Okja" in sent.text
    assert telegram.calls["sendMessage"] == 2
    assert asyncio.get_running_loop().time() - started >= 1


async def test_companions_run_beside_the_bot_and_stop_with_it(bot: Bot) -> None:
    """The watch-party scheduler runs like this: started once the bot can send."""
    ran = asyncio.Event()
    finished = asyncio.Event()

    async def companion(stop: asyncio.Event) -> None:
        await front_end(bot.application).messenger.send("42", Reply(text="scheduler here"))
        ran.set()
        await stop.wait()
        finished.set()

    bot.application = build_application(bot.settings, bot.app.dispatcher, bot.fake.base_url)
    bot.stop_event = asyncio.Event()
    bot.task = asyncio.create_task(
        serve(bot.application, bot.stop_event, poll_timeout=1, companions=[companion])
    )
    await asyncio.wait_for(ran.wait(), 15)
    assert "scheduler here" in bot.fake.all("sendMessage")[0].text
    await bot.stop()
    assert finished.is_set()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_checks_the_secret_on_every_request(bot: Bot) -> None:
    port = _free_port()
    bot.webhook = Webhook(f"http://127.0.0.1:{port}/tg/hook", "s3cret-token", "127.0.0.1", port)
    await bot.start()
    fake = bot.fake
    await fake.wait_for("setWebhook")
    assert fake.webhook["url"] == f"http://127.0.0.1:{port}/tg/hook"
    assert fake.webhook["secret_token"] == "s3cret-token"

    def update(text: str, update_id: int) -> dict[str, Any]:
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_700_000_000,
                "chat": fake.chat(42),
                "from": fake.user(42),
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }

    url = f"http://127.0.0.1:{port}/tg/hook"
    async with aiohttp.ClientSession() as http:
        for _ in range(100):  # setWebhook comes just before the server listens
            try:
                async with http.get(f"http://127.0.0.1:{port}/"):
                    break
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.05)
        for headers in ({}, {SECRET_HEADER: "wrong"}):
            async with http.post(url, json=update("/title okja", 1), headers=headers) as r:
                assert r.status == 403
        async with http.post(
            url, json=update("/title okja", 2), headers={SECRET_HEADER: "s3cret-token"}
        ) as r:
            assert r.status == 200
    sent = await fake.next_sent("sendMessage")
    assert "Okja" in sent.text
    await asyncio.sleep(0.3)
    assert len(fake.all("sendMessage")) == 1  # the refused ones did nothing
