"""Updates in flight at a crash: the real `reelbot telegram` process, killed with SIGKILL while
it holds updates it fetched but has not handled, then started again on the same database. The
fake keeps unconfirmed updates as Telegram does, so only what the bot confirmed is its job."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram
from tests.adapters.test_telegram_cli import reelbot_telegram, stop_with_sigterm

VOTERS = 8
ASKERS = 5


async def test_updates_fetched_before_a_sigkill_are_handled_after_the_restart(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    async with reelbot_telegram(tmp_path, fake) as (_, process):
        fake.send_text("/watchparty new Parasite; Okja", chat_id=GROUP_ID)
        [poll] = await fake.wait_for("sendPoll", seconds=30)

        # The group is in a long flood wait: its commands are fetched and stuck sending.
        fake.flood(GROUP_ID, 600)
        for member in range(ASKERS):
            fake.send_text("/watchparty", user_id=500 + member, chat_id=GROUP_ID)
        for voter in range(VOTERS):
            fake.vote(poll, [1], user_id=100 + voter, name=f"Voter {voter}")
        await fake.wait_confirmed(fake.last_update_id)  # Telegram will not send them again
        answered = len(fake.all("sendMessage"))
        await asyncio.sleep(0.5)  # well into handling them
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert len(fake.all("sendMessage")) == answered  # none got through the flood wait
    assert fake.updates == []  # nothing left for Telegram to deliver

    fake.flood(GROUP_ID, 0)  # the wait is over
    async with reelbot_telegram(tmp_path, fake) as (_, process):
        # Every command the killed process had taken is answered now, and every vote counts.
        await fake.wait_for("sendMessage", answered + ASKERS, seconds=60)
        seen = len(fake.all("sendMessage"))
        fake.send_text("/watchparty", chat_id=GROUP_ID)
        [status] = (await fake.wait_for("sendMessage", seen + 1, seconds=30))[seen:]
        assert f"Okja (2017) — {VOTERS} votes" in status.text, status.text
        await stop_with_sigterm(process)
