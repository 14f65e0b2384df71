"""Poll votes counted after a PostgreSQL outage.

Each run makes a fresh PostgreSQL database (`reelbot_bench_poll_<random>`, dropped afterwards),
opens the app through a loopback TCP proxy (tests/tcp_proxy.py) and a watch party with a native
poll, then cuts the proxy for `--outage` seconds (every connection dropped, the port closed;
the shared server itself is never touched) while `--voters` members answer the poll, spread
over the outage, as the Telegram and Discord adapters would. After the restore it waits for
the kept answers and prints votes counted / votes sent and how long after the restore the last
one was stored. Defaults: 10 s outage, 40 voters, 3 runs.

    .venv/bin/python bench/poll_outage.py --outage 10 --voters 40 --runs 3
    .venv/bin/python bench/poll_outage.py --code /tmp/old   # an export of an older commit
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.tcp_proxy import TcpProxy  # noqa: E402

DEFAULT_PG = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def _run(pg_url: str, outage: float, voters: int) -> tuple[int, int, float]:
    from bot.app import open_app
    from bot.core.context import CommandContext
    from bot.settings import Settings

    def _member(user: str, chat: str) -> CommandContext:
        return CommandContext("telegram", user, user, chat_id=chat, is_group=True)

    name = f"reelbot_bench_poll_{uuid.uuid4().hex[:10]}"
    admin_dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(False)
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    proxy = TcpProxy.to_url(pg_url)
    await proxy.start()
    db_url = proxy.url(make_url(pg_url).set(database=name).render_as_string(False))
    try:
        with tempfile.TemporaryDirectory(prefix="reelbot-poll-") as tmp:
            app = await open_app(Settings(database_url=db_url, data_dir=Path(tmp)))
            try:
                host = _member("host", "-100")
                opened = await app.dispatcher.handle(
                    host, "/watchparty new sat 8pm; Parasite; Okja; The Host"
                )
                assert opened.poll is not None, opened.text
                await app.parties.poll_opened(opened.poll.key, "telegram", "-100", "p", "m")
                await proxy.cut()
                answers = []
                for n in range(voters):
                    voter = _member(f"v{n}", "")
                    call = app.parties.poll_answered("telegram", "p", voter, [n % 3])
                    answers.append(asyncio.create_task(call))
                    await asyncio.sleep(outage / voters)
                await proxy.restore()
                restored = time.perf_counter()
                await asyncio.gather(*answers, return_exceptions=True)
                kept = getattr(app.parties, "answers", None)  # None: code without the queue
                if kept is not None:
                    await asyncio.wait_for(kept.wait_stored(), timeout=120)
                stored_after = time.perf_counter() - restored
                status = await app.dispatcher.handle(host, "/watchparty")
                counted = sum(int(item.text.split(" — ")[1].split()[0]) for item in status.items)
                return counted, voters, stored_after
            finally:
                await app.close()
    finally:
        await proxy.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=10.0, help="seconds")
    parser.add_argument("--voters", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--code", type=Path, help="run another checkout's bot/ and db/")
    args = parser.parse_args()
    if args.code is not None:
        sys.path.insert(0, str(args.code.resolve()))
    print(f"{args.outage:g} s outage, {args.voters} voters, load {os.getloadavg()[0]:.1f}")
    runs = [await _run(args.postgres_url, args.outage, args.voters) for _ in range(args.runs)]
    for counted, sent, after in runs:
        print(f"  counted {counted}/{sent}, last stored {after:.2f} s after the restore")
    print(f"median last stored {statistics.median(a for _, _, a in runs):.2f} s after the restore")


if __name__ == "__main__":
    asyncio.run(main())
