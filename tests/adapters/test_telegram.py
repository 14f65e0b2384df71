"""The real python-telegram-bot Application against a local fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.app import App
from bot.core.dispatch import COMMANDS
from bot.core.imports import IMPORT
from bot.core.replies import Item, Reply
from bot.telegram_adapter.handlers import build_application, serve
from bot.telegram_adapter.render import MAX_MESSAGE, render
from tests.adapters.fake_telegram import FakeTelegram


@pytest.fixture
async def telegram(app: App) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    base_url = await fake.start()
    settings = replace(app.settings, telegram_token=fake.token)
    application = build_application(settings, app.dispatcher, base_url)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, stop, poll_timeout=1))
    await fake.wait_for("setMyCommands")
    yield fake
    stop.set()
    await asyncio.wait_for(task, 15)
    await fake.stop()


async def test_command_menu_lists_every_core_command(telegram: FakeTelegram) -> None:
    [menu] = await telegram.wait_for("setMyCommands")
    names = {c["command"] for c in menu.params["commands"]}
    assert names == {c.name for c in COMMANDS} | {IMPORT.name}


async def test_recommend_then_press_a_button(telegram: FakeTelegram) -> None:
    telegram.send_text("/recommend Miracle in Cell No. 7")
    [sent] = await telegram.wait_for("sendMessage")
    assert sent.params["parse_mode"] == "HTML"
    assert "Prison Playbook" in sent.params["text"]
    assert "I Am Sam" in sent.params["text"]
    buttons = [b for row in sent.params["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    telegram.press(sent, buttons[0]["callback_data"])
    await telegram.wait_for("answerCallbackQuery")
    second = (await telegram.wait_for("sendMessage", 2))[1]
    assert "🎬" in second.params["text"]  # the title card of the first suggestion


async def test_group_command_with_bot_suffix_and_hostile_text(telegram: FakeTelegram) -> None:
    telegram.send_text("/search@reelbot_bot <b>miracle</b> & cell")
    [sent] = await telegram.wait_for("sendMessage")
    assert "&lt;b&gt;miracle&lt;/b&gt; &amp; cell" in sent.params["text"]
    assert "<b>miracle</b>" not in sent.params["text"]


def test_long_replies_split_at_line_boundaries() -> None:
    items = tuple(Item(f"title {n} " + "x" * 80, "reason <&>") for n in range(200))
    messages = render(Reply(text="many", items=items))
    assert len(messages) > 1
    assert all(len(m.html) <= MAX_MESSAGE for m in messages)
    joined = "\n".join(m.html for m in messages)
    assert joined.count("reason &lt;&amp;&gt;") == 200
