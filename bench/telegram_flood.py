"""Reply time of a private chat while one group is flooded, through the real `reelbot telegram`
process against the loopback fake Bot API (tests/adapters/fake_telegram.py), which enforces
Telegram's flood limits (20 messages a minute in a group, about one a second in a chat, 30 a
second overall; 429 with retry_after past them).

Each run: a fresh SQLite database, one private /title to warm up, then `--members` members of
one group send /title at once; once the group's first answer is out, private chats ask /title
at 0, 5 and 10 s. Prints each private reply time and how long the group took to be answered.

    .venv/bin/python bench/telegram_flood.py                    # this checkout, 3 runs
    .venv/bin/python bench/telegram_flood.py --code /tmp/old    # another checkout's bot/
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.adapters.fake_telegram import GROUP_ID, FakeTelegram  # noqa: E402

PROBES_AT = (0.0, 5.0, 10.0)  # seconds after the group's first answer


async def probe(fake: FakeTelegram, user_id: int) -> float:
    """Seconds from a private /title to its answer (inf: none within 60 s)."""
    asked = time.monotonic()
    fake.send_text("/title Miracle in Cell No. 7", user_id=user_id)
    deadline = asked + 60
    while True:
        mine = [s for s in fake.all("sendMessage") if int(s.params["chat_id"]) == user_id]
        if mine:
            return mine[0].at - asked
        if (left := deadline - time.monotonic()) <= 0:
            return float("inf")
        with contextlib.suppress(TimeoutError):
            await fake.next_sent("sendMessage", seconds=left)


async def one_run(code: Path, members: int) -> tuple[list[float], float, int]:
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="reelbot-flood-") as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(code),
            "REELBOT_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bot.sqlite3",
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "LOG_LEVEL": "WARNING",
        }
        env.pop("TELEGRAM_WEBHOOK_URL", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "telegram", cwd=code, env=env,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await fake.wait_for("setMyCommands", seconds=120)
            await probe(fake, 7)  # warm-up: the catalog is loaded
            flood_started = time.monotonic()
            for member in range(members):
                fake.send_text("/title Okja", user_id=1000 + member, chat_id=GROUP_ID)
            await fake.wait_for("sendMessage", 2)  # the warm-up's answer, the group's first
            first = time.monotonic()
            probes = []
            for n, at in enumerate(PROBES_AT):
                await asyncio.sleep(max(0.0, first + at - time.monotonic()))
                probes.append(await probe(fake, 100 + n))
            with contextlib.suppress(TimeoutError):
                await fake.wait_for("sendMessage", 1 + members + len(probes), seconds=120)
            drained = fake.all("sendMessage")[-1].at - flood_started
            return probes, drained, len(fake.flood_waits)
        finally:
            process.kill()
            await process.wait()
            await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose bot/ runs")
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"code {args.code}, {args.members} members, load average {os.getloadavg()}")
    firsts: list[float] = []  # the private /title asked as the group's first answer went out
    all_probes: list[float] = []
    drains = []
    for run in range(args.runs):
        probes, drained, floods = await one_run(args.code.resolve(), args.members)
        all_probes += probes
        firsts.append(probes[0])
        drains.append(drained)
        shown = ", ".join(f"{p:.2f}" for p in probes)
        print(f"run {run + 1}: private replies {shown} s; group answered in {drained:.1f} s;"
              f" 429s {floods}")  # fmt: skip
    print(
        f"median first private reply {statistics.median(firsts):.2f} s,"
        f" median of all {statistics.median(all_probes):.2f} s (max {max(all_probes):.2f}),"
        f" median group drain {statistics.median(drains):.1f} s,"
        f" load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    asyncio.run(main())
