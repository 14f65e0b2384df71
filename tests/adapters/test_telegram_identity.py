"""Who is speaking in a Telegram group, through real python-telegram-bot and the fake Bot API:
a member posting as a channel is that channel (one channel cannot manage another's watch
party or answer its questions), and anonymous administrators posting as the group act as
that group's admins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram, Sent
from tests.adapters.test_telegram_watchparty import QUIET, Running
from tests.party_support import FakeClock

MINA = 42
FILMS = {"id": -1001111, "type": "channel", "title": "Film Channel"}
DRAMAS = {"id": -1002222, "type": "channel", "title": "Drama Channel"}
AS_GROUP = {"id": GROUP_ID, "type": "supergroup", "title": "K-drama club"}


@pytest.fixture
async def bot(fake: FakeTelegram, db_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    running = Running(fake, db_url, tmp_path, FakeClock())
    await running.start()
    yield running
    await running.shutdown()


async def say(
    fake: FakeTelegram,
    text: str,
    sender_chat: dict[str, Any] | None = None,
    reply_to: Sent | None = None,
) -> Sent:
    """Mina writes in the group, as herself or as `sender_chat`; the bot's next message."""
    seen = len(fake.all("sendMessage"))
    fake.send_text(text, MINA, GROUP_ID, reply_to=reply_to, sender_chat=sender_chat)
    return (await fake.wait_for("sendMessage", seen + 1))[seen]


PARTY = "/watchparty new Parasite; Okja"


async def test_each_channel_is_its_own_member(bot: Running) -> None:
    fake = bot.fake
    opened = await say(fake, PARTY, FILMS)
    assert "Film Channel opened a watch party" in opened.text, opened.text

    refused = await say(fake, "/watchparty cancel", DRAMAS)
    assert "Only the host (Film Channel) or an admin can cancel" in refused.text, refused.text
    refused = await say(fake, "/watchparty cancel")  # the member behind both, as herself
    assert "Only the host (Film Channel)" in refused.text, refused.text

    cancelled = await say(fake, "/watchparty cancel", FILMS)
    assert "Watch party cancelled by Film Channel" in cancelled.text, cancelled.text


async def test_anonymous_admins_manage_the_groups_parties_as_the_group(bot: Running) -> None:
    fake = bot.fake
    opened = await say(fake, PARTY)
    assert "Mina opened a watch party" in opened.text
    refused = await say(fake, "/watchparty cancel", FILMS)  # a channel is no admin
    assert "Only the host (Mina)" in refused.text, refused.text
    cancelled = await say(fake, "/watchparty cancel", AS_GROUP)
    assert "Watch party cancelled by K-drama club" in cancelled.text, cancelled.text

    opened = await say(fake, PARTY, AS_GROUP)
    assert "K-drama club opened a watch party" in opened.text, opened.text
    refused = await say(fake, "/watchparty cancel", DRAMAS)
    assert "Only the host (K-drama club)" in refused.text, refused.text


async def test_a_channel_answers_only_its_own_questions(bot: Running) -> None:
    fake = bot.fake
    prompt = await say(fake, "/title", FILMS)
    assert prompt.text.startswith("Film Channel, which title?"), prompt.text
    assert "tg://user" not in prompt.text  # no user to mention

    seen = len(fake.all("sendMessage"))
    fake.send_text("Okja", MINA, GROUP_ID, reply_to=prompt, sender_chat=DRAMAS)
    await asyncio.sleep(QUIET)
    assert len(fake.all("sendMessage")) == seen  # not Drama Channel's question

    answer = await say(fake, "Okja", FILMS, reply_to=prompt)
    assert "Okja (2017)" in answer.text, answer.text
