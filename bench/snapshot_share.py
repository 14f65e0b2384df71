"""One catalog snapshot for many processes, timed on the real catalog: real `reelbot telegram`
processes (against the loopback fake Bot API) on one scratch PostgreSQL database, sharing one
snapshot directory as the compose services share a volume.

1. Import: `reelbot seed import` of the files (all of ../shared/data by default; the last
   import publishes the snapshot, the others pass --no-publish).
2. First answer: a bot started after the import, from its start to its answer to a
   /recommend sent at once; with the snapshot the import published, and with an empty
   snapshot directory (each process building its own, as before).
3. An edit: two bots A and B; an admin adds a title through A; from sending it to B's
   change notice, and to B holding the new snapshot; how many of the two built it.

    .venv/bin/python bench/snapshot_share.py               # all of ../shared/data, 3 runs
    .venv/bin/python bench/snapshot_share.py --files movielens-latest-small
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
for folder in (REPO, REPO / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from shared_files import EVERYTHING  # noqa: E402

from tests.test_snapshot_share import (  # noqa: E402
    BUILT,
    LOADED,
    add_title,
    ready,
    reelbot_cli,
    reelbot_telegram,
)

SERVER = os.environ.get(
    "REELBOT_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
NOTICE = "catalog change notice"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def first_answer(url: str, cache: Path, workdir: Path, run: int) -> float:
    """Seconds from starting a bot to its answer; prints when its log said what, on the way."""
    started = time.monotonic()
    async with reelbot_telegram(f"fresh{run}", url, cache, workdir / f"fresh{run}") as bot:
        reply = await bot.ask("/recommend Toy Story", 300 + run, seconds=600)
        took = time.monotonic() - started
        assert "Toy Story" in reply, reply
    steps = {"Application started": "telegram up", BUILT: "built", LOADED: "loaded"}
    marks = [
        f"{label} {at - started:.2f}"
        for at, line in bot.lines
        for key, label in steps.items()
        if key in line
    ]
    print(f"  start {run}: {', '.join(marks)}, answered {took:.2f} s")
    return took


async def edits(url: str, cache: Path, workdir: Path, runs: int) -> list[tuple[float, float, int]]:
    """(send -> notice in B, send -> new snapshot in B, builds by A and B) per edit."""
    results = []
    async with (
        reelbot_telegram("A", url, cache, workdir / "a") as a,
        reelbot_telegram("B", url, cache, workdir / "b") as b,
    ):
        await ready(a, b)
        for n in range(runs):
            since_a, since_b = len(a.lines), len(b.lines)
            sent = await add_title(a, f"Bench Harbour {uuid.uuid4().hex[:6]} {n}")
            noticed = await b.wait_line(NOTICE, since_b, seconds=120)
            loaded = await b.wait_line(f"{BUILT}|{LOADED}", since_b, seconds=300)
            await a.wait_line(f"{BUILT}|{LOADED}", since_a, seconds=300)
            builds = a.count(BUILT, since_a) + b.count(BUILT, since_b)
            results.append((noticed - sent, loaded - sent, builds))
    return results


def shared_data() -> Path:
    return Path(os.environ.get("REELBOT_SHARED_DATA") or REPO / "../shared/data").resolve()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="*", default=list(EVERYTHING))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--published-only",
        action="store_true",
        help="only the first answers with the published snapshot (no empty-directory runs, edits)",
    )
    args = parser.parse_args()
    data = shared_data()
    print(f"load average {os.getloadavg()}; files {args.files}")
    name = f"reelbot_share_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(SERVER))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory(prefix="reelbot-share-") as tmp:
            workdir = Path(tmp)
            cache = workdir / "cache"
            await reelbot_cli(url, cache, "db", "upgrade")
            started = time.monotonic()
            for n, file in enumerate(args.files):
                last = n == len(args.files) - 1
                flags = () if last else ("--no-publish",)
                await reelbot_cli(url, cache, "seed", "import", str(data / file), *flags)
            print(f"import {time.monotonic() - started:.1f} s (publishing included)")
            sizes = [p.stat().st_size / 1e6 for p in cache.glob("catalog-*.pickle")]
            print(f"published snapshot {sizes[0]:.0f} MB" if sizes else "no snapshot published!")

            published = [await first_answer(url, cache, workdir, r) for r in range(args.runs)]
            unpublished = []
            for run in range(0 if args.published_only else args.runs):
                empty = workdir / f"empty{run}"
                unpublished.append(await first_answer(url, empty, workdir, 10 + run))
            for label, times in (("published", published), ("unpublished", unpublished)):
                if not times:
                    continue
                shown = ", ".join(f"{t:.2f}" for t in times)
                print(f"first /recommend, snapshot {label}: {shown} s;"
                      f" median {statistics.median(times):.2f} s")  # fmt: skip

            if args.published_only:
                return
            changed = await edits(url, cache, workdir, args.runs)
            for notice, loaded, builds in changed:
                print(f"edit: notice in B {notice:.3f} s, snapshot in B {loaded:.2f} s,"
                      f" builds {builds}")  # fmt: skip
            print(
                f"edit medians: notice {statistics.median(c[0] for c in changed):.3f} s,"
                f" snapshot {statistics.median(c[1] for c in changed):.2f} s,"
                f" builds per edit {sorted({c[2] for c in changed})}"
            )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
