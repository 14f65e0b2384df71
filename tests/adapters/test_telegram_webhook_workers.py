"""Webhook workers scaled out: two real `reelbot telegram` processes in webhook mode on one
PostgreSQL database, as behind a reverse proxy that may deliver an update to either (Telegram
sends an update again when an answer was slow or lost). Every update goes to both workers, some
several times: each is answered exactly once and none is lost, also when one worker is killed
with SIGKILL while it holds updates: the other takes them over once their lease ran out, never
sooner."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.test_log_secrets import SECRET_HEADER, Captured, _free_port, start
from tests.conftest import postgres_only

SECRET = "scale-out-secret"
LEASE_SECONDS = 5
TITLES = ["Okja", "Parasite", "The Host", "Miracle in Cell No. 7", "Prison Playbook"]


class Worker:
    def __init__(self, name: str, process: Captured, url: str) -> None:
        self.name = name
        self.process = process
        self.url = url


async def start_worker(name: str, fake: FakeTelegram, db_url: str, tmp_path: Path) -> Worker:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    workdir = tmp_path / name
    workdir.mkdir()
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(workdir),
        "DATABASE_URL": db_url,
        "TELEGRAM_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_URL": url,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_UPDATE_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    return Worker(name, await start([sys.executable, "-m", "bot", "telegram"], env, workdir), url)


async def deliver(http: aiohttp.ClientSession, worker: Worker, update: dict[str, Any]) -> None:
    """Telegram posting `update` to `worker` (waiting for its server to listen)."""
    for _ in range(600):
        try:
            async with http.post(worker.url, json=update, headers={SECRET_HEADER: SECRET}) as r:
                assert r.status == 200, (worker.name, r.status)
                return
        except aiohttp.ClientConnectorError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"{worker.name} never listened at {worker.url}")


def new_update(fake: FakeTelegram, user_id: int) -> dict[str, Any]:
    fake.send_text(f"/title {TITLES[user_id % len(TITLES)]}", user_id=user_id)
    return fake.updates.pop()


def answers(fake: FakeTelegram) -> Counter[int]:
    """Replies per private chat (one user each)."""
    return Counter(
        int(s.params["chat_id"]) for s in fake.sent if s.method in {"sendMessage", "sendPhoto"}
    )


async def until(condition: Any, seconds: float, what: str) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


@postgres_only
async def test_two_webhook_workers_answer_each_update_once_also_when_one_dies(
    db_url: str, tmp_path: Path, fake: FakeTelegram
) -> None:
    first = await start_worker("first", fake, db_url, tmp_path)
    second = await start_worker("second", fake, db_url, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            # Both up and serving: every update to both at once, every third again to each.
            together = list(range(1000, 1030))
            for user in together:
                update = new_update(fake, user)
                posts = [deliver(http, first, update), deliver(http, second, update)]
                if user % 3 == 0:
                    posts += [deliver(http, second, update), deliver(http, first, update)]
                await asyncio.gather(*posts)
            await until(lambda: all(answers(fake)[u] for u in together), 60, "an update was lost")
            await asyncio.sleep(1)  # time for a second answer, were one coming
            assert {u: answers(fake)[u] for u in together} == dict.fromkeys(together, 1)

            # The first worker stores these and gets stuck sending (a flood wait), then they
            # reach the second as well: stored already, so the second leaves them alone.
            stuck = list(range(2000, 2010))
            for user in stuck:
                fake.flood(user, 300)  # the first worker waits it out: lifted at the kill
                update = new_update(fake, user)
                await deliver(http, first, update)
                await deliver(http, second, update)
            meanwhile = list(range(3000, 3010))
            for user in meanwhile:
                update = new_update(fake, user)
                await asyncio.gather(deliver(http, first, update), deliver(http, second, update))
            await until(
                lambda: {chat for chat, _ in fake.flood_waits} >= set(stuck),
                30,
                "the first worker never tried to answer",
            )
            await until(lambda: all(answers(fake)[u] for u in meanwhile), 60, "an update was lost")
            # The second worker restarts meanwhile: starting, it leaves the live first
            # worker's updates alone, and two leases on it still does.
            second_output = await second.process.stop()
            assert second.process.process.returncode == 0, second_output[-3000:]
            second = await start_worker("second-again", fake, db_url, tmp_path)
            late = new_update(fake, 4000)
            await deliver(http, second, late)
            await until(lambda: answers(fake)[4000], 60, "the restarted worker did not answer")
            await asyncio.sleep(2 * LEASE_SECONDS)
            assert not any(answers(fake)[u] for u in stuck)

            first.process.process.send_signal(signal.SIGKILL)
            await first.process.process.wait()
            for user in stuck:
                fake.flood(user, 0)
            await until(
                lambda: all(answers(fake)[u] for u in stuck), 90, "the dead worker's were lost"
            )
            await asyncio.sleep(1)
            every = [*together, *stuck, *meanwhile, 4000]
            assert {u: answers(fake)[u] for u in every} == dict.fromkeys(every, 1)
    finally:
        await first.process.stop()
        output = await second.process.stop()
    assert second.process.process.returncode == 0, output[-3000:]
    assert "taking over 10 updates of a stopped worker" in output, output[-3000:]
