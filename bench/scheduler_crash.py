"""How late watch-party results come, and how many go out twice, when a `reelbot telegram`
process is killed (SIGKILL) while it posts them and a second process is started after it.

The scenario is tests/test_scheduler_crash.py's: N Telegram groups whose vote deadline passed,
a fake Bot API that holds every sendMessage for `--delay` seconds, the kill while result number
`--kill-at` is in flight, the second process started at once. Two kinds of in-flight message:
`delivered` (Telegram posted it, the bot never heard back: the worst case for duplicates) and
`lost` (gone with the connection: the worst case for delay).

    .venv/bin/python bench/scheduler_crash.py --runs 3
    .venv/bin/python bench/scheduler_crash.py --backend postgresql --mode lost --runs 3

To measure older code, copy this file and the test module into that checkout and run it from
there, so both this process and the bots import it:
`cd /tmp/old && PYTHONPATH=. /path/to/.venv/bin/python bench/scheduler_crash.py --give-up 420`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

import asyncpg

sys.path.append(str(Path(__file__).resolve().parents[1]))  # for `tests`, after PYTHONPATH

from tests.test_scheduler_crash import CrashOutcome, crash_mid_send

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def one_run(backend: str, args: argparse.Namespace) -> CrashOutcome:
    with tempfile.TemporaryDirectory(prefix="reelbot-crash-") as tmp:
        workdir = Path(tmp)
        if backend == "sqlite":
            return await _scenario(f"sqlite:///{workdir / 'bot.sqlite3'}", workdir, args)
        name = f"reelbot_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(args.postgres_admin)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            url = args.postgres_admin.rsplit("/", 1)[0] + f"/{name}"
            return await _scenario(url, workdir, args)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


async def _scenario(url: str, workdir: Path, args: argparse.Namespace) -> CrashOutcome:
    return await crash_mid_send(
        url,
        workdir,
        parties=args.parties,
        send_delay=args.delay,
        lost=args.mode == "lost",
        kill_at=args.kill_at,
        give_up_after=args.give_up,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--mode", choices=("delivered", "lost"), default="delivered")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parties", type=int, default=5)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per sendMessage")
    parser.add_argument("--kill-at", type=int, default=2, help="kill during this result")
    parser.add_argument("--give-up", type=float, default=120.0, help="seconds after the kill")
    parser.add_argument("--postgres-admin", default=os.environ.get("BENCH_PG_ADMIN", ADMIN_DSN))
    args = parser.parse_args()
    outcomes = []
    for run in range(1, args.runs + 1):
        outcome = await one_run(args.backend, args)
        outcomes.append(outcome)
        print(
            f"run {run}: every result posted {outcome.all_posted:6.1f} s after the kill, "
            f"all jobs done {outcome.settled:6.1f} s, duplicates {outcome.duplicates}",
            flush=True,
        )
    print(
        f"{args.backend}, {args.mode}, {args.parties} parties, median of {args.runs}: "
        f"posted {statistics.median(o.all_posted for o in outcomes):.1f} s, "
        f"done {statistics.median(o.settled for o in outcomes):.1f} s, "
        f"duplicates {statistics.median(o.duplicates for o in outcomes):g} "
        f"(max {max(o.duplicates for o in outcomes)}); load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
