"""Crashes when N reelbot processes start together on a fresh database.

Each round makes a fresh database (a SQLite file, or a new PostgreSQL database that is dropped
afterwards), starts N real `python -m bot admin stats` processes at once (each migrates and
seeds on start, as the bots do) and counts the ones that exit non-zero, then checks there is one
starter catalog. `--code DIR` runs another checkout's code (e.g. an export of an older commit)
with this venv, to compare before and after:

    .venv/bin/python bench/startup_race.py --processes 6 --rounds 3
    git archive 11ebcdb | tar -x -C /tmp/old
    .venv/bin/python bench/startup_race.py --code /tmp/old
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get(
    "REELBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _titles(db_url: str) -> int:
    sys.path.insert(0, str(REPO))
    from sqlalchemy import func, select

    from db import models as m
    from db.session import Database

    db = Database.from_url(db_url)
    try:
        async with db.unit_of_work() as repos:
            return int(await repos.session.scalar(select(func.count()).select_from(m.Title)) or 0)
    finally:
        await db.dispose()


def _start_together(code: Path, db_url: str, workdir: Path, n: int) -> list[int]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REELBOT_DATA_DIR": str(workdir),
        "PYTHONPATH": str(code),
    }
    command = [sys.executable, "-m", "bot", "admin", "stats"]
    procs = [
        subprocess.Popen(
            command, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(n)
    ]
    return [p.wait(timeout=300) for p in procs]


async def _round(backend: str, code: Path, n: int, pg_url: str) -> tuple[int, int, float]:
    with tempfile.TemporaryDirectory(prefix="reelbot-race-") as tmp:
        workdir = Path(tmp)
        if backend == "sqlite":
            db_url = f"sqlite+aiosqlite:///{workdir / 'race.sqlite3'}"
            name = None
        else:
            name = f"reelbot_bench_race_{uuid.uuid4().hex[:10]}"
            admin = await asyncpg.connect(_dsn(pg_url))
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.close()
            db_url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        try:
            started = time.perf_counter()
            codes = await asyncio.to_thread(_start_together, code, db_url, workdir, n)
            elapsed = time.perf_counter() - started
            try:
                titles = await _titles(db_url)
            except Exception:  # no schema at all
                titles = 0
            return sum(1 for c in codes if c != 0), titles, elapsed
        finally:
            if name is not None:
                admin = await asyncpg.connect(_dsn(pg_url))
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout to run")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"code {args.code}, {args.processes} processes, load {os.getloadavg()[0]:.1f}")
    for backend in backends:
        rounds = [
            await _round(backend, args.code.resolve(), args.processes, args.postgres_url)
            for _ in range(args.rounds)
        ]
        crashes = [c for c, _, _ in rounds]
        print(
            f"{backend:10} crashes per round {crashes} (median {statistics.median(crashes)} "
            f"of {args.processes}); titles after each round {[t for _, t, _ in rounds]}; "
            f"median wall time {statistics.median(s for _, _, s in rounds):.1f} s"
        )


if __name__ == "__main__":
    asyncio.run(main())
