"""Import speed and peak memory on the real files in ../shared/data.

Two workloads, each on SQLite and PostgreSQL, each run R times in a fresh database:

- catalogs: the four streaming catalogs (Netflix, Prime Video, Disney+, Hulu) and both
  MyDramaList Korean drama lists, ~25,000 rows, imported one after the other into a database
  holding the starter catalog. Goal: < 60 s, peak RSS < 400 MB.
- movielens: ml-latest-small (9,742 films, 100,836 ratings, tags, links). Goal: < 30 s.

Every run is a separate process (so its peak RSS is its own), which migrates and seeds a fresh
database first (not timed) and then times `db.imports.importer.import_file` over the files.

    ./run bench imports                                  # both workloads, both backends, 3 runs
    .venv/bin/python bench/imports.py --backend sqlite --workload catalogs --runs 5

See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from shared_files import MOVIELENS, STREAMING_AND_KDRAMA  # noqa: E402  (bench/, beside this script)

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
WORKLOADS = {"catalogs": list(STREAMING_AND_KDRAMA), "movielens": [MOVIELENS]}
GOAL_SECONDS = {"catalogs": 60.0, "movielens": 30.0}
GOAL_RSS_MB = 400.0


def shared_data() -> Path:
    return Path(os.environ.get("REELBOT_SHARED_DATA") or REPO / "../shared/data").resolve()


# -- one run, in its own process ----------------------------------------------------------------


async def worker(url: str, workload: str) -> dict[str, object]:
    from db import migrate
    from db.imports.importer import ImportOptions, import_file
    from db.session import Database
    from db.starter import seed_starter

    db = Database.from_url(url)
    try:
        await migrate.upgrade(db.engine)
        async with db.unit_of_work(write=True) as repos:
            await seed_starter(repos)
        data = shared_data()
        started = time.perf_counter()
        totals = {"added": 0, "merged": 0, "skipped": 0, "ratings": 0}
        for name in WORKLOADS[workload]:
            summary = await import_file(db, data / name, ImportOptions())
            totals["added"] += summary.added
            totals["merged"] += summary.merged
            totals["skipped"] += summary.skipped
            totals["ratings"] += summary.ratings
        seconds = time.perf_counter() - started
    finally:
        await db.dispose()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": seconds, "rss_mb": rss_mb, **totals}


# -- the driver --------------------------------------------------------------------------------


def pg_dsn(url: str, database: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if database:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(url), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def one_run(backend: str, workload: str, pg_url: str, tmp: Path) -> dict[str, object]:
    name = f"reelbot_bench_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / (name + '.sqlite3')}"
    else:
        from sqlalchemy.engine import make_url

        asyncio.run(pg_admin(pg_url, f'CREATE DATABASE "{name}"'))
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", url, "--workload", workload],
            check=True,
            capture_output=True,
            text=True,
        )
        result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
        return result
    finally:
        if backend == "postgresql":
            asyncio.run(pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workload", choices=[*WORKLOADS, "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("REELBOT_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(args.worker, args.workload))))
        return 0

    data = shared_data()
    if not data.is_dir():
        print(f"shared data not found at {data} (set REELBOT_SHARED_DATA)", file=sys.stderr)
        return 2
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    workloads = list(WORKLOADS) if args.workload == "both" else [args.workload]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"python {platform.python_version()}, data {data}, {args.runs} runs each")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    header = (
        f"{'backend':<11} {'workload':<10} {'median s':>9} {'min s':>7} {'max s':>7} "
        f"{'peak RSS MB':>12} {'added':>7} {'merged':>7} {'ratings':>8}  goal"
    )
    print(header)
    failed = False
    with tempfile.TemporaryDirectory(prefix="reelbot-bench-") as tmp:
        for backend in backends:
            for workload in workloads:
                runs = [
                    one_run(backend, workload, args.postgres_url, Path(tmp))
                    for _ in range(args.runs)
                ]
                seconds = [float(r["seconds"]) for r in runs]  # type: ignore[arg-type]
                rss = max(float(r["rss_mb"]) for r in runs)  # type: ignore[arg-type]
                median = statistics.median(seconds)
                ok = median < GOAL_SECONDS[workload] and rss < GOAL_RSS_MB
                failed |= not ok
                last = runs[-1]
                print(
                    f"{backend:<11} {workload:<10} {median:>9.1f} {min(seconds):>7.1f} "
                    f"{max(seconds):>7.1f} {rss:>12.0f} {last['added']:>7} {last['merged']:>7} "
                    f"{last['ratings']:>8}  < {GOAL_SECONDS[workload]:.0f} s, < "
                    f"{GOAL_RSS_MB:.0f} MB: {'ok' if ok else 'MISSED'}",
                    flush=True,
                )
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
