"""Latency of `/recommend` with no title for members without ratings (the cold-start popular
picks) on a catalog with the MovieLens ratings imported.

A fresh database (unique name, dropped at the end) gets the starter catalog and
movielens-latest-small (about 9,700 films and 100,000 ratings) from ../shared/data; the bot
is opened on it, one `/recommend` builds the snapshot, then each run sends `--calls` of them,
each from a member who has not rated anything. Printed: p50/p99 per run, their medians, the
load average before and after. The machine is shared: compare runs made close together.

    .venv/bin/python bench/popular.py                         # PostgreSQL, 3 runs
    .venv/bin/python bench/popular.py --backend sqlite --runs 5 --calls 300

To time older code, run this file from a checkout of that revision (it imports the code beside
it): `git archive <rev> | tar -x -C /tmp/old && cp bench/popular.py /tmp/old/bench/ &&
.venv/bin/python /tmp/old/bench/popular.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def shared_data() -> Path:
    return Path(os.environ.get("REELBOT_SHARED_DATA") or REPO / "../shared/data").resolve()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def create_database(backend: str, folder: Path) -> tuple[str, str | None]:
    """A URL for a new database, and its PostgreSQL name (to drop) if any."""
    name = f"reelbot_bench_popular_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{folder / (name + '.sqlite3')}", None
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get("REELBOT_TEST_POSTGRES_URL", DEFAULT_PG_URL))
    conn = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin.set(database=name).render_as_string(hide_password=False), name


async def drop_database(name: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get("REELBOT_TEST_POSTGRES_URL", DEFAULT_PG_URL))
    conn = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def bench(args: argparse.Namespace, folder: Path) -> None:
    from bot.app import open_app
    from bot.core.context import CommandContext
    from bot.settings import Settings
    from db.imports.importer import import_file

    url, pg_name = await create_database(args.backend, folder)
    try:
        app = await open_app(Settings(database_url=url, data_dir=folder))
        try:
            started = time.perf_counter()
            summary = await import_file(app.db, shared_data() / "movielens-latest-small")
            print(
                f"imported MovieLens in {time.perf_counter() - started:.1f} s: "
                f"{summary.added:,} titles added, {summary.ratings:,} ratings"
            )
            app.core.catalog.invalidate()

            async def recommend(member: str) -> float:
                ctx = CommandContext(
                    platform="console", user_id=member, display_name=member, chat_id="bench"
                )
                began = time.perf_counter()
                reply = await app.dispatcher.handle(ctx, "/recommend")
                took = (time.perf_counter() - began) * 1000
                assert reply.text.startswith("Popular"), reply.text
                return took

            started = time.perf_counter()
            await recommend("warm-up")
            print(f"first /recommend (snapshot build) {time.perf_counter() - started:.1f} s")
            p50s, p99s = [], []
            print(f"load average before: {load_average()}")
            for run in range(args.runs):
                times = [await recommend(f"new-{run}-{i}") for i in range(args.calls)]
                p50s.append(percentile(times, 0.50))
                p99s.append(percentile(times, 0.99))
                print(f"  run {run + 1}: p50 {p50s[-1]:7.2f} ms  p99 {p99s[-1]:7.2f} ms")
            print(f"load average after: {load_average()}")
            print(
                f"/recommend (no title, no ratings), {args.backend}, {args.calls} calls x "
                f"{args.runs} runs: median p50 {statistics.median(p50s):.2f} ms, "
                f"median p99 {statistics.median(p99s):.2f} ms"
            )
        finally:
            await app.close()
    finally:
        if pg_name is not None:
            await drop_database(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="reelbot-bench-popular-") as folder:
        asyncio.run(bench(args, Path(folder)))


if __name__ == "__main__":
    main()
