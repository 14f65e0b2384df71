"""The update inbox on a real database (SQLite and PostgreSQL): an update is stored once however
often Telegram delivers it, what was not handled comes back after a restart (oldest first), and
one that keeps being cut short is given up after a few tries. Workers sharing the inbox take
over each other's updates only once a lease ran out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update
from telegram import Bot, Update

from bot.app import App
from bot.telegram_adapter.inbox import MAX_ATTEMPTS, DurableUpdateQueue, UpdateInbox, bot_id_of
from db import models as m
from db.models import utcnow
from tests.adapters.fake_telegram import FakeTelegram

TOKEN = FakeTelegram.token


def updates(fake: FakeTelegram, bot: Bot, *texts: str) -> list[Update]:
    for text in texts:
        fake.send_text(text)
    taken, fake.updates = fake.updates, []
    return [u for u in (Update.de_json(raw, bot) for raw in taken) if u is not None]


async def test_a_second_delivery_is_not_queued_again(app: App, fake: FakeTelegram) -> None:
    bot = Bot(TOKEN)
    queue = DurableUpdateQueue(UpdateInbox(app.db, bot_id_of(TOKEN)))
    [first, second] = updates(fake, bot, "/title Okja", "/title Parasite")
    for item in (first, second, first):  # Telegram sends the first one again
        await queue.put(item)
    assert [queue.get_nowait(), queue.get_nowait()] == [first, second]
    assert queue.empty()


async def test_unhandled_updates_come_back_oldest_first(app: App, fake: FakeTelegram) -> None:
    bot = Bot(TOKEN)
    inbox = UpdateInbox(app.db, bot_id_of(TOKEN))
    queue = DurableUpdateQueue(inbox)
    stored = updates(fake, bot, "/title Okja", "/title Parasite", "/title The Host")
    for item in stored:
        await queue.put(item)
    await inbox.handled(stored[1])

    # The same worker started again (a container Docker restarted: same host name and pid).
    after_crash = UpdateInbox(app.db, bot_id_of(TOKEN), worker=inbox.worker)
    again = await after_crash.unhandled(bot)
    assert [u.update_id for u in again] == [stored[0].update_id, stored[2].update_id]
    assert again[0].message is not None and again[0].message.text == "/title Okja"
    assert again[0].message.get_bot() is bot  # ready for the handlers to answer with

    # Handled ones keep only their ids; another bot's updates are its own.
    assert await UpdateInbox(app.db, bot_id_of("777:OTHER")).unhandled(bot) == []
    async with app.db.unit_of_work() as repos:
        payload = await repos.session.scalar(
            select(m.UpdateInbox.payload).where(m.UpdateInbox.update_id == stored[1].update_id)
        )
    assert payload is None


async def test_an_update_cut_short_again_and_again_is_given_up(
    app: App, fake: FakeTelegram
) -> None:
    bot = Bot(TOKEN)
    inbox = UpdateInbox(app.db, bot_id_of(TOKEN), worker="w1")
    [poison] = updates(fake, bot, "/title Okja")
    await DurableUpdateQueue(inbox).put(poison)
    for _restart in range(MAX_ATTEMPTS):  # each time, the process dies handling it
        assert [u.update_id for u in await inbox.unhandled(bot)] == [poison.update_id]
    assert await inbox.unhandled(bot) == []


async def test_handled_updates_are_forgotten_after_a_day(app: App, fake: FakeTelegram) -> None:
    bot = Bot(TOKEN)
    inbox = UpdateInbox(app.db, bot_id_of(TOKEN))
    old, new = updates(fake, bot, "/title Okja", "/title Parasite")
    for item in (old, new):
        await DurableUpdateQueue(inbox).put(item)
        await inbox.handled(item)
    async with app.db.unit_of_work(write=True) as repos:
        await repos.session.execute(
            update(m.UpdateInbox)
            .where(m.UpdateInbox.update_id == old.update_id)
            .values(received_at=utcnow() - timedelta(days=2))
        )
    await inbox.prune()
    async with app.db.unit_of_work() as repos:
        kept = await repos.session.scalars(select(m.UpdateInbox.update_id))
        assert list(kept) == [new.update_id]
        assert await repos.session.scalar(select(func.count()).select_from(m.UpdateInbox)) == 1


async def test_a_live_workers_updates_are_never_taken_a_dead_ones_are(
    app: App, fake: FakeTelegram
) -> None:
    bot = Bot(TOKEN)
    lease = timedelta(seconds=1.5)
    first = UpdateInbox(app.db, bot_id_of(TOKEN), worker="host-a:1", lease=lease)
    second = UpdateInbox(app.db, bot_id_of(TOKEN), worker="host-b:1", lease=lease)
    stored = updates(fake, bot, "/title Okja", "/title Parasite")
    for item in stored:
        await DurableUpdateQueue(first).put(item)
        assert not await second.receive(item)  # delivered to the second worker too

    # A second worker starting now finds the first one's updates under a live lease.
    assert await second.unhandled(bot) == []

    # While the first worker lives (renewing), the second takes nothing, however long.
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    requeued: list[Update] = []
    keepers = [
        asyncio.create_task(first.keep_leases(bot, requeued.append, stop_first)),
        asyncio.create_task(second.keep_leases(bot, requeued.append, stop_second)),
    ]
    await asyncio.sleep(3 * lease.total_seconds())
    assert requeued == []

    # The first worker dies (its keeper stops, its leases run out): the second takes over,
    # oldest first, once.
    keepers[0].cancel()
    for _ in range(100):
        if len(requeued) == len(stored):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(lease.total_seconds())
    assert [u.update_id for u in requeued] == [u.update_id for u in stored]
    stop_second.set()
    await keepers[1]

    # A worker stopping cleanly gives its leases up: a sibling takes them at once.
    await second.release()
    third = UpdateInbox(app.db, bot_id_of(TOKEN), worker="host-c:1", lease=lease)
    assert [u.update_id for u in await third.unhandled(bot)] == [u.update_id for u in stored]
