"""Admin edits and background rebuilds on the imported catalog (~33,000 titles), through the
dispatcher, as members see them:

- edit: the latency of the first command after an admin edit (`/admin title edit … name:…`,
  then `/title <new name>`); the old code made that command wait for a full rebuild.
- rebuild: `/recommend <title>` latencies from USERS concurrent members while a background
  rebuild runs (started the way another process's edit starts one: a revision bump seen by
  the periodic check), p50 / p99 / max; and the same with no rebuild running, for reference.

CATALOG: every file of ../shared/data imported once (as bench/similar.py does) into a SQLite
file given with --db (made when missing); each run works on a fresh copy of it, so every run
starts from the same catalog (and the snapshot, saved once, loads from the index cache).

    .venv/bin/python bench/edits.py --db /tmp/reelbot-edits-catalog.sqlite3
    .venv/bin/python bench/edits.py --db /tmp/x.sqlite3 --compare main   # old code too

--compare REV runs this same script a second time over `git archive REV` (a temporary copy
of the code at REV, this script put beside it), so old and new are measured on one catalog.
Medians of --runs runs (default 3), with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from bot.app import App, open_app  # noqa: E402
from bot.console_adapter.chat import console_context  # noqa: E402
from bot.settings import Settings  # noqa: E402

USERS = 4
SLOW_S = 0.5  # logged with --verbose, beside the catalog's own log lines
log = logging.getLogger("bench.edits")
PROBES = ("Parasite (2019)", "Okja", "Kingdom", "Stranger Things", "The Crown", "Narcos")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fresh_copy(catalog: Path, work: Path) -> Settings:
    """A fresh copy of the catalog, always at the same path, with the index cache the first
    run saved for it (a run's rebuilds replace the cache's file)."""
    db = work / "catalog.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(catalog, db)
    data, saved = work / "data", work / "first-index-cache"
    shutil.rmtree(data, ignore_errors=True)
    if saved.exists():
        shutil.copytree(saved, data / "index-cache")
    return Settings(database_url=f"sqlite+aiosqlite:///{db}", data_dir=data)


async def open_copy(catalog: Path, work: Path) -> App:
    app = await open_app(fresh_copy(catalog, work), upgrade=False, seed=False)
    await app.core.catalog.get()
    saved = work / "first-index-cache"
    if not saved.exists():
        shutil.copytree(work / "data" / "index-cache", saved)
    return app


async def recommend_load(
    app: App, seconds: float | None, until: asyncio.Event | None
) -> list[float]:
    """USERS members asking /recommend <title> one after another, for `seconds` or until the
    event is set; every latency."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds if seconds is not None else float("inf")

    async def member(n: int) -> None:
        ctx = console_context(f"bench-member-{n}")
        i = n
        while time.perf_counter() < deadline and not (until is not None and until.is_set()):
            started = time.perf_counter()
            reply = await app.dispatcher.handle(ctx, f"/recommend {PROBES[i % len(PROBES)]}")
            latencies.append(time.perf_counter() - started)
            if latencies[-1] > SLOW_S:
                log.info(
                    "slow command: %.0f ms (%s)", latencies[-1] * 1000, PROBES[i % len(PROBES)]
                )
            assert not reply.is_error, reply.text
            i += 1

    await asyncio.gather(*(member(n) for n in range(USERS)))
    return latencies


async def refreshing(app: App) -> bool:
    cache = app.core.catalog
    task = getattr(cache, "_refresh", None)
    return task is not None and not task.done()


async def one_run(catalog: Path, work: Path) -> dict[str, float]:
    app = await open_copy(catalog, work)
    try:
        snap = await app.core.catalog.get()
        target = snap.index.search("Squid Game", limit=1)[0]
        # 1. the first command after an admin edit
        admin = console_context("bench-admin")
        edit = await app.dispatcher.handle(
            admin, f"/admin title edit #{target.title_id} name:Bench Edited Title"
        )
        assert not edit.is_error, edit.text
        started = time.perf_counter()
        reply = await app.dispatcher.handle(admin, "/title Bench Edited Title")
        first = time.perf_counter() - started
        assert reply.card is not None and "Bench Edited Title" in reply.card.heading, reply.text
        await app.core.catalog.wait_for_refresh()

        # 2. /recommend with no rebuild running, then during one
        idle = await recommend_load(app, 5.0, None)
        async with app.db.unit_of_work(write=True) as repos:  # another process's edit
            await repos.catalog.bump_revision()
        await asyncio.sleep(app.core.catalog.check_every)
        await app.core.catalog.get()
        assert await refreshing(app), "no background rebuild started"
        done = asyncio.Event()

        async def watch() -> None:
            await app.core.catalog.wait_for_refresh()
            done.set()

        rebuild_started = time.perf_counter()
        watcher = asyncio.create_task(watch())
        during = await recommend_load(app, None, done)
        await watcher
        rebuild = time.perf_counter() - rebuild_started
        return {
            "first_after_edit_ms": first * 1000,
            "idle_p50_ms": percentile(idle, 0.5) * 1000,
            "idle_p99_ms": percentile(idle, 0.99) * 1000,
            "rebuild_s": rebuild,
            "during_n": float(len(during)),
            "during_p50_ms": percentile(during, 0.5) * 1000,
            "during_p99_ms": percentile(during, 0.99) * 1000,
            "during_max_ms": max(during) * 1000,
        }
    finally:
        await app.core.catalog.wait_for_refresh()
        await app.close()


async def measure(catalog: Path, runs: int) -> list[dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix="reelbot-snap-edits-"))
    try:
        results = []
        for n in range(runs):
            load = load_average()
            result = await one_run(catalog, work)
            print(
                f"# run {n + 1} (load average {load}): "
                + json.dumps({k: round(v, 1) for k, v in result.items()}),
                file=sys.stderr,
                flush=True,
            )
            results.append(result)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_catalog(path: Path) -> None:
    if path.exists():
        return
    from similar import import_catalog  # bench/similar.py: every shared data file

    asyncio.run(import_catalog(f"sqlite+aiosqlite:///{path}"))


def medians(results: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def old_code_results(revision: str, catalog: Path, runs: int) -> list[dict[str, float]]:
    """This script run over the code at `revision`."""
    export = Path(tempfile.mkdtemp(prefix="reelbot-snap-old-"))
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
        shutil.copy(Path(__file__), export / "bench" / "edits.py")
        out = subprocess.run(  # checked below, after its log is shown
            [
                sys.executable,
                str(export / "bench" / "edits.py"),
                "--db",
                str(catalog),
                "--runs",
                str(runs),
                "--json",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        sys.stderr.write(out.stderr)
        out.check_returncode()
        results: list[dict[str, float]] = json.loads(out.stdout)
        return results
    finally:
        shutil.rmtree(export, ignore_errors=True)


def table(rows: dict[str, dict[str, float]]) -> None:
    keys = list(next(iter(rows.values())))
    print(f"{'':24}" + "".join(f"{name:>14}" for name in rows))
    for k in keys:
        print(f"{k:24}" + "".join(f"{r[k]:>14.1f}" for r in rows.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the imported catalog (made once)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", metavar="REV", help="also measure the code at REV")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON (internal)")
    parser.add_argument("--verbose", action="store_true", help="log builds and slow commands")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(relativeCreated)9.0f ms %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ensure_catalog(args.db)
    print(f"# load average before: {load_average()}", file=sys.stderr)
    results = asyncio.run(measure(args.db, args.runs))
    if args.json:
        print(json.dumps(results))
        return
    rows = {"this code": medians(results)}
    if args.compare:
        rows = {args.compare: medians(old_code_results(args.compare, args.db, args.runs)), **rows}
    print(f"# medians of {args.runs} runs, {USERS} members; load average after: {load_average()}")
    table(rows)


if __name__ == "__main__":
    main()
