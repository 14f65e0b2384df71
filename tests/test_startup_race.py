"""Many processes starting at once on a fresh database: one migrates and seeds, the others wait
for it and find the schema at head and the starter catalog loaded. Real OS processes, because
the race is between processes (the compose file starts two bots in the same second)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from db import migrate
from db import models as m
from db.session import Database
from db.starter import load_starter

PROCESSES = 4
REPO = Path(__file__).resolve().parent.parent

# Each process imports everything first, then waits for the go file, so that all of them reach
# the database in the same few milliseconds instead of whenever their imports finish.
STARTER = """
import asyncio, os, sys, time
from pathlib import Path
from bot.app import open_app
from bot.settings import Settings

go = Path(sys.argv[1])
Path(sys.argv[2]).touch()
while not go.exists():
    time.sleep(0.002)

async def main():
    app = await open_app(Settings.from_env())
    await app.close()

if sys.argv[3:] == ["reseed"]:  # `reelbot seed starter`, the operator's reseed
    from bot.cli import main as cli
    cli(["seed", "starter"])
else:
    asyncio.run(main())
"""


async def _start_together(
    db_url: str, workdir: Path, modes: tuple[str, ...] = ("start",) * PROCESSES
) -> list[tuple[int, str]]:
    """Exit status and stderr of each process; `modes` says what each one runs."""
    go = workdir / "go"
    env = {**os.environ, "DATABASE_URL": db_url, "REELBOT_DATA_DIR": str(workdir)}
    ready = [workdir / f"ready-{n}" for n in range(len(modes))]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            STARTER,
            str(go),
            str(flag),
            mode,
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for flag, mode in zip(ready, modes, strict=True)
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline, "the processes did not start"
        assert all(p.returncode is None for p in procs), "a process died on import"
        await asyncio.sleep(0.05)
    go.touch()
    results = []
    for proc in procs:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode is not None
        results.append((proc.returncode, err.decode(errors="replace")))
    return results


async def test_processes_starting_together_on_a_fresh_database_all_start(
    empty_db_url: str, tmp_path: Path
) -> None:
    results = await _start_together(empty_db_url, tmp_path)
    await _assert_all_started_with_one_starter_catalog(empty_db_url, results)


async def test_a_reseed_beside_first_starts_loads_one_starter_catalog(
    empty_db_url: str, tmp_path: Path
) -> None:
    results = await _start_together(empty_db_url, tmp_path, ("start", "reseed") * 2)
    await _assert_all_started_with_one_starter_catalog(empty_db_url, results)


async def _assert_all_started_with_one_starter_catalog(
    empty_db_url: str, results: list[tuple[int, str]]
) -> None:
    crashed = [err[-2000:] for status, err in results if status != 0]
    assert not crashed, f"{len(crashed)} of {len(results)} crashed:\n" + "\n---\n".join(crashed)
    db = Database.from_url(empty_db_url)
    try:
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
        async with db.unit_of_work() as repos:
            titles = await repos.session.scalar(select(func.count()).select_from(m.Title))
            seeded = await repos.session.scalar(
                select(func.count(func.distinct(m.TitleSource.external_id))).where(
                    m.TitleSource.source == "starter"
                )
            )
        assert titles == seeded == len(load_starter())  # one starter catalog, not two
    finally:
        await db.dispose()
